import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export const publishedPath = (dataDir: string) => join(dataDir, 'published/warehouse_marts.duckdb');

/**
 * One digest per table of the schemas (marts by default), the Data page's views over the run log
 * aside, and so are the new relations of a build not yet put in place (`_next_*`, which the next
 * build drops): equal digests, equal rows.
 */
export async function martsDigest(file: string, catalog: string, schemas = ['marts']): Promise<Record<string, string>> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const tables = (
      await connection.runAndReadAll(`select table_schema || '.' || table_name from information_schema.tables
      where table_catalog = '${catalog}' and table_schema in ('${schemas.join("', '")}') and table_name not like 'data\\_%' escape '\\'
        and not starts_with(table_name, '_next_') order by 1`)
    )
      .getRows()
      .map(([name]) => String(name));
    const digest: Record<string, string> = {};
    for (const table of tables) {
      const reader = await connection.runAndReadAll(
        `select count(*) || ':' || coalesce(md5(string_agg(t::varchar, '|' order by t::varchar)), '') from ${catalog}.${table} as t`,
      );
      digest[table] = String(reader.getRows()[0]![0]);
    }
    return digest;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

export const warehouseDigest = (dataDir: string, schemas?: string[]) =>
  martsDigest(join(dataDir, 'warehouse.duckdb'), 'warehouse', schemas);
export const publishedDigest = (dataDir: string) => martsDigest(publishedPath(dataDir), 'warehouse_marts');
