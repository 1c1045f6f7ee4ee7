import { constants, copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { WarehouseConfig } from '../config.js';
import { crashPoint } from '../crash-point.js';
import type { RunContext } from '../run/run-context.js';
import type { Database } from '../warehouse/database.js';
import { modelStateSql } from '../warehouse/model-state.js';
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
  materialized: string;
}

export interface StagedMarts {
  /** The new marts file, complete but not yet what readers see. */
  path: string;
  /** Marts copied from the build into it; the others were kept from the published file. */
  replaced: number;
  total: number;
  /** Renames it into place and returns the published path. */
  publish(): string;
}

// Evidence reads the file with an older DuckDB: write a storage format it knows.
const storageVersion = 'v1.0.0';

/**
 * Stages the marts, and nothing else, in a file (same name, in a folder beside the published one);
 * publishing renames it into place, so readers see the old file or the new one, never half of one.
 * The file starts as a copy of the published one, in which only the marts whose rows may differ
 * are replaced: each mart's state (its rows' digest, or its model's fingerprint and watermark;
 * equal states meaning equal rows) is recorded in `_published.mart_states`, outside the marts. Views (the Data page's,
 * over the run log) have no state and are always copied. Anything doubtful about the published
 * file, or `fresh`, writes the whole file as new; so do too many changed marts for a copy to pay,
 * and a copy that has grown past twice what it holds.
 */
export async function stageMarts(
  db: Kysely<Database>,
  context: Pick<RunContext, 'config' | 'memberSalt' | 'log'>,
  options: { models: BuiltModel[]; target?: string; fresh?: boolean },
): Promise<StagedMarts> {
  const marts = options.models.filter((model) => model.schema === 'marts');
  const target = options.target ?? publishedMartsPath(context.config);
  // Same file name as the published one: Evidence names the catalog after it.
  const next = join(dirname(target), 'next', basename(target));
  const firstPublication = !existsSync(dirname(target));
  const states = await martStates(db, marts);
  const replaced = await db
    .connection()
    .execute(async (connection) => {
      try {
        const kept = options.fresh ? undefined : await attachPublished(connection, target, next, marts, states, context.log);
        if (kept === undefined) await attachNew(connection, next);
        await writeMarts(connection, marts, states, kept ?? new Set(), context.memberSalt);
        if (kept === undefined || !(await oversized(connection))) return marts.length - (kept?.size ?? 0);
        context.log(`published marts written whole: the copy of ${target} had grown past twice the size of its marts`);
        await sql.raw('detach published').execute(connection);
        await attachNew(connection, next);
        await writeMarts(connection, marts, states, new Set(), context.memberSalt);
        return marts.length;
      } finally {
        await sql.raw('detach database if exists published').execute(connection);
      }
    })
    .catch((error: unknown) => {
      // A half-written file only takes space (on a full disk, the space wanted back).
      rmSync(dirname(next), { recursive: true, force: true });
      // Nothing was ever published: no folder says otherwise.
      if (firstPublication) rmSync(dirname(target), { recursive: true, force: true });
      throw error;
    });
  crashPoint('publish:staged');
  return {
    path: next,
    replaced,
    total: marts.length,
    publish() {
      renameSync(next, target);
      rmSync(dirname(next), { recursive: true, force: true });
      return target;
    },
  };
}

// Each mart's state as the build recorded it, as its readers compare it; none for a view, whose rows are those of the moment.
async function martStates(db: Kysely<Database>, marts: BuiltModel[]): Promise<Map<string, string>> {
  const { rows } = await sql<{ model: string; state: string }>`
    select model, ${sql.raw(modelStateSql)} as state from ops.model_state`.execute(db);
  const recorded = new Map(rows.map((row) => [row.model, row.state]));
  return new Map(
    marts
      .filter((model) => model.materialized !== 'view' && recorded.has(model.name))
      .map((model) => [model.table, recorded.get(model.name)!]),
  );
}

// An empty file at `next`, attached as `published`.
async function attachNew(db: Kysely<Database>, next: string): Promise<void> {
  rmSync(dirname(next), { recursive: true, force: true });
  mkdirSync(dirname(next), { recursive: true });
  await sql.raw(`attach ${literal(next)} as published (storage_version '${storageVersion}')`).execute(db);
}

/**
 * A copy of the published file at `next`, attached as `published`, with the marts it holds at their
 * present state and the same columns; the others are dropped from it. Undefined, with nothing
 * attached, when there is no published file, anything about it is doubtful, or too little of it
 * would be kept for a copy to pay (said in the log).
 */
async function attachPublished(
  db: Kysely<Database>,
  target: string,
  next: string,
  marts: BuiltModel[],
  states: Map<string, string>,
  log: (line: string) => void,
): Promise<Set<string> | undefined> {
  if (!existsSync(target)) return undefined;
  const found = await keptMarts(db, target, marts, states);
  if (typeof found === 'string') {
    log(`published marts written whole: ${target} is not a publication to build on: ${found}`);
    return undefined;
  }
  // Copying the file, dropping and checkpointing cost about what writing a quarter of it does
  // (measured at 100,000 members): a day of orders changes nearly every mart.
  if (found.keptShare < 0.25) {
    log(
      `published marts written whole: ${marts.length - found.kept.size} of ${marts.length} marts changed since published, too many for a copy to pay`,
    );
    return undefined;
  }
  rmSync(dirname(next), { recursive: true, force: true });
  mkdirSync(dirname(next), { recursive: true });
  // A clone where the file system can (no data copied until either file changes), a copy elsewhere.
  copyFileSync(target, next, constants.COPYFILE_FICLONE);
  await sql.raw(`attach ${literal(next)} as published (storage_version '${storageVersion}')`).execute(db);
  const { rows } = await sql<{ table_name: string }>`
    select table_name from duckdb_tables() where database_name = 'published' and schema_name = 'marts'`.execute(db);
  for (const { table_name } of rows.filter((row) => !found.kept.has(row.table_name)))
    await sql.raw(`drop table published.marts.${identifier(table_name)}`).execute(db);
  // Their blocks are free for the marts written next only once checkpointed: the file would grow by them otherwise.
  await sql.raw('checkpoint published').execute(db);
  return found.kept;
}

/**
 * The marts the published file holds at their present state, with the same columns, and their
 * share of its built marts' cells (rows × columns); or what is doubtful about the file.
 */
async function keptMarts(
  db: Kysely<Database>,
  target: string,
  marts: BuiltModel[],
  states: Map<string, string>,
): Promise<{ kept: Set<string>; keptShare: number } | string> {
  const attached = await sql
    .raw(`attach ${literal(target)} as previous (read_only)`)
    .execute(db)
    .then(
      () => undefined,
      (error: Error) => `it could not be opened (${error.message.split('\n')[0]})`,
    );
  if (attached) return attached;
  try {
    const { rows: tags } = await sql<{ version: string | null }>`
      select tags['storage_version'] as version from duckdb_databases() where database_name = 'previous'`.execute(db);
    // Evidence's DuckDB reads no later one; an earlier one is not what a copy would be written in.
    if (tags[0]?.version !== `${storageVersion}+`)
      return `it is in storage version ${tags[0]?.version ?? 'unknown'}, not ${storageVersion}`;
    const recorded = await sql<{ mart: string; state: string }>`select mart, state from previous._published.mart_states`.execute(db).then(
      ({ rows }) => new Map(rows.map((row) => [row.mart, row.state])),
      () => undefined,
    );
    if (!recorded) return 'it records no state of its marts';
    const { rows } = await sql<{ database: string; mart: string; columns: string; cells: number }>`
      select if(database_name = 'previous', 'previous', 'built') as database, table_name as mart,
        string_agg(column_name || ' ' || data_type, ', ' order by column_index) as columns,
        count(*) * any_value(estimated_size)::double as cells
      from duckdb_columns() join duckdb_tables() using (database_name, schema_name, table_name)
      where schema_name = 'marts' and database_name in ('previous', current_database())
      group by all`.execute(db);
    const columns = new Map(rows.map((row) => [`${row.database}.${row.mart}`, row.columns]));
    const kept = new Set(
      marts.map((model) => model.table).filter((table) => states.has(table) && recorded.get(table) === states.get(table)),
    );
    const differing = [...kept].find((table) => columns.get(`previous.${table}`) !== columns.get(`built.${table}`));
    if (differing) return `its ${differing} has other columns than the build's, at the same state`;
    const built = new Set(marts.map((model) => model.table));
    const cells = rows.filter((row) => row.database === 'previous' && built.has(row.mart));
    const total = cells.reduce((sum, row) => sum + Number(row.cells), 0);
    const keptCells = cells.filter((row) => kept.has(row.mart)).reduce((sum, row) => sum + Number(row.cells), 0);
    return { kept, keptShare: total > 0 ? keptCells / total : 0 };
  } finally {
    await sql.raw('detach previous').execute(db);
  }
}

// The marts not kept, from the build, after the salt refusal, and the state of every mart.
async function writeMarts(
  db: Kysely<Database>,
  marts: BuiltModel[],
  states: Map<string, string>,
  kept: Set<string>,
  salt: string,
): Promise<void> {
  const replaced = marts.filter((model) => !kept.has(model.table));
  await refuseSalt(db, replaced, salt);
  await sql.raw('create schema if not exists published.marts; create schema if not exists published._published').execute(db);
  for (const model of replaced) await sql.raw(`create table published.marts.${model.table} as select * from ${model.name}`).execute(db);
  await sql.raw('create or replace table published._published.mart_states (mart varchar primary key, state varchar not null)').execute(db);
  for (const [mart, state] of states) await sql`insert into published._published.mart_states values (${mart}, ${state})`.execute(db);
}

// Dropped marts leave free blocks that later ones reuse, but not always all of them.
async function oversized(db: Kysely<Database>): Promise<boolean> {
  await sql.raw('checkpoint published').execute(db);
  const { rows } = await sql<{ total: number; used: number }>`
    select total_blocks::bigint as total, used_blocks::bigint as used from pragma_database_size() where database_name = 'published'`.execute(
    db,
  );
  return Number(rows[0]!.total) > 2 * Number(rows[0]!.used);
}

/**
 * A model can read the member salt (getvariable('member_salt'), which the macro of member keys reads): a mart
 * whose text holds it would publish what keeps member keys from being reversed. Its text columns
 * are searched before anything is copied; the salt is never named in the refusal.
 */
async function refuseSalt(db: Kysely<Database>, marts: BuiltModel[], salt: string): Promise<void> {
  const { rows: columns } = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_catalog = current_database() and table_schema = 'marts' and data_type not in ('BOOLEAN', 'TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT', 'FLOAT', 'DOUBLE', 'DATE', 'TIME', 'TIMESTAMP', 'TIMESTAMP WITH TIME ZONE', 'INTERVAL')
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
