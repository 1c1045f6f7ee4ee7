import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { WarehouseConfig } from '../config.js';
import { crashPoint } from '../crash-point.js';
import type { RunContext } from '../run/run-context.js';
import type { Database } from '../warehouse/database.js';
import { identifier, literal } from '../warehouse/sql-text.js';

export function publishedMartsPath(config: WarehouseConfig): string {
  return join(config.dataDir, 'published', 'warehouse_marts.duckdb');
}

/** The marts `npm run dev` shows: a copy of this build's, never the published file. */
export function devMartsPath(config: WarehouseConfig): string {
  return join(config.dataDir, 'dev', 'warehouse_marts.duckdb');
}

/** What publishing reads of a model the build made (transform/model.ts). */
interface BuiltModel {
  name: string;
  schema: string;
  table: string;
  file: string;
}

export interface StagedMarts {
  /** The new marts file, complete but not yet what readers see. */
  path: string;
  /** Renames it into place and returns the published path. */
  publish(): string;
}

/**
 * Copies the marts, and nothing else, into a new file (same name, in a folder beside the
 * published one); publishing renames it into place, so readers see the old file or the new one,
 * never half of one. The Data page's tables are marts too (views over the run log, read here).
 */
export async function stageMarts(
  db: Kysely<Database>,
  context: Pick<RunContext, 'config' | 'memberSalt'>,
  options: { models: BuiltModel[]; target?: string },
): Promise<StagedMarts> {
  const { config } = context;
  const marts = options.models.filter((model) => model.schema === 'marts');
  await refuseSalt(db, marts, context.memberSalt);
  const target = options.target ?? publishedMartsPath(config);
  // Same file name as the published one: Evidence names the catalog after it.
  const next = join(dirname(target), 'next', basename(target));
  rmSync(dirname(next), { recursive: true, force: true });
  mkdirSync(dirname(next), { recursive: true });
  await db
    .connection()
    .execute(async (connection) => {
      // Evidence reads the file with an older DuckDB: write a storage format it knows.
      await sql.raw(`attach ${literal(next)} as published (storage_version 'v1.0.0')`).execute(connection);
      try {
        await sql.raw('create schema published.marts').execute(connection);
        for (const model of marts)
          await sql.raw(`create table published.marts.${model.table} as select * from ${model.name}`).execute(connection);
      } finally {
        await sql.raw('detach published').execute(connection);
      }
    })
    .catch((error: unknown) => {
      // A half-written file only takes space (on a full disk, the space wanted back).
      rmSync(dirname(next), { recursive: true, force: true });
      throw error;
    });
  crashPoint('publish:staged');
  return {
    path: next,
    publish() {
      renameSync(next, target);
      rmSync(dirname(next), { recursive: true, force: true });
      return target;
    },
  };
}

/**
 * A model can read the member salt (getvariable('member_salt'), which the macro of member keys reads): a mart
 * whose text holds it would publish what keeps member keys from being reversed. Its text columns
 * are searched before anything is copied; the salt is never named in the refusal.
 */
async function refuseSalt(db: Kysely<Database>, marts: BuiltModel[], salt: string): Promise<void> {
  const { rows: columns } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = 'marts' and data_type not in ('BOOLEAN', 'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'FLOAT', 'DOUBLE', 'DATE', 'TIME', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'INTERVAL')
      and not starts_with(data_type, 'DECIMAL')
    order by table_name, ordinal_position`.execute(db);
  for (const model of marts) {
    const text = columns.filter((column) => column.table_name === model.table).map((column) => column.column_name);
    if (text.length === 0) continue;
    const { rows } = await sql
      .raw<{ column_name: string }>(
        `select column_name from (select unnest([${text.map((name) => `{'column_name': ${literal(name)}, 'found': bool_or(contains(${identifier(name)}::varchar, ${literal(salt)}))}`).join(', ')}], recursive := true) from ${model.name}) where found`,
      )
      .execute(db);
    if (rows.length > 0)
      throw new Error(
        `${model.file}: ${model.name}.${rows[0]!.column_name} holds the member salt, which is never published: only the macro of member keys in models/macros.sql may read getvariable('member_salt'); nothing was published`,
      );
  }
}
