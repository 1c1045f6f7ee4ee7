import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect } from 'vitest';
import { type CliResult, runCli } from './run-cli.js';

export const publishedPath = (dataDir: string) => join(dataDir, 'published/warehouse_marts.duckdb');
export const fileHash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/**
 * One digest per table of the schemas (marts by default), the Data page's views over the run log
 * aside: equal digests, equal rows.
 */
export async function martsDigest(file: string, catalog: string, schemas = ['marts']): Promise<Record<string, string>> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const tables = (
      await connection.runAndReadAll(`select table_schema || '.' || table_name from information_schema.tables
      where table_catalog = '${catalog}' and table_schema in ('${schemas.join("', '")}') and table_name not like 'data\\_%' escape '\\' order by 1`)
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

/** The status of every run on the published Data page (marts.data_runs), oldest first. */
export async function publishedRunStatuses(dataDir: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(publishedPath(dataDir), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll('select status from marts.data_runs order by run_id');
    return reader.getRows().map(([status]) => String(status));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The single value (or lines of values) a query gives, through the CLI. */
export function scalar(dataDir: string, query: string): string {
  const result = runCli(['query', query, '--format', 'csv'], dataDir);
  expect(result.stderr).toBe('');
  return result.stdout.trim().split('\n').slice(1).join('\n');
}

/** Copies a delivery's files into the data folder's inbox. */
export function deliver(dataDir: string, folder: string) {
  const inbox = join(dataDir, 'inbox');
  mkdirSync(inbox, { recursive: true });
  for (const name of readdirSync(folder)) cpSync(join(folder, name), join(inbox, name));
}

export function expectSucceeded(result: CliResult) {
  expect(result.stderr).not.toMatch(/error|failed/i);
  expect(result.status).toBe(0);
}
