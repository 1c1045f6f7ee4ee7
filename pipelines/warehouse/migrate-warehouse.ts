import { DuckDBInstance } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { DuckDBDialect } from './dialect/duckdb-dialect.js';
import type { Migration } from './read-migrations.js';

// Before migrations were recorded, ops-schema.sql made the ops tables at every open; it had grown to
// the layout of the first twelve.
const unrecordedVersions = 12;

/**
 * Applies the migrations the warehouse has not had, in order, each in a transaction with its
 * record in ops.migrations; returns them. Only for a writer holding the lock. A warehouse made
 * before migrations were recorded gets the ones its tables already have recorded, unapplied.
 */
export async function migrateWarehouse(db: Kysely<Database>, migrations: Migration[], warehousePath: string): Promise<Migration[]> {
  const tables = await opsTables(db);
  const unrecorded = tables.length > 0 && !tables.includes('migrations');
  await sql`create schema if not exists ops;
    create table if not exists ops.migrations (version bigint primary key, name varchar not null, checksum varchar not null,
      applied_at timestamp not null)`.execute(db);
  if (unrecorded) await record(db, await heldAlready(db, migrations.slice(0, unrecordedVersions)));
  const pending = await pendingMigrations(db, migrations, warehousePath);
  for (const migration of pending) {
    await db
      .transaction()
      .execute(async (trx) => {
        await sql.raw(migration.sql).execute(trx);
        await record(trx, [migration]);
      })
      .catch((error: Error) => {
        const [problem] = error.message.split('\n');
        throw new Error(
          `${migration.file} failed on ${warehousePath}, left as it was: ${problem}; correct the migration and open it again`,
          {
            cause: error,
          },
        );
      });
  }
  return pending;
}

/**
 * Refuses a warehouse with a migration recorded that is not among `migrations` (a newer version
 * wrote it) or not as it is now (edited since); returns those still to apply.
 */
export async function pendingMigrations(db: Kysely<Database>, migrations: Migration[], warehousePath: string): Promise<Migration[]> {
  if (!(await isRecording(db))) return migrations;
  const recorded = await db.selectFrom('ops.migrations').select(['version', 'name', 'checksum']).orderBy('version').execute();
  for (const { version, name, checksum } of recorded) {
    const known = migrations[version - 1];
    const applied = `${String(version).padStart(4, '0')}-${name}`;
    if (!known)
      throw new Error(
        `${warehousePath} has migration ${applied} applied, which this version does not have: a newer version of the pipelines wrote it; open it with that version`,
      );
    if (known.checksum !== checksum)
      throw new Error(
        `${known.file} is not the migration ${applied} applied to ${warehousePath} (checksum ${checksum.slice(0, 12)}, now ${known.checksum.slice(0, 12)}): restore the file as applied and make the change in a new migration`,
      );
  }
  return migrations.slice(recorded.length);
}

async function opsTables(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ table_name: string }>`select table_name from duckdb_tables()
    where database_name = current_database() and schema_name = 'ops'`.execute(db);
  return rows.map((row) => row.table_name);
}

async function isRecording(db: Kysely<Database>): Promise<boolean> {
  return (await opsTables(db)).includes('migrations');
}

async function record(db: Kysely<Database>, migrations: Migration[]): Promise<void> {
  if (migrations.length === 0) return;
  const applied_at = new Date();
  await db
    .insertInto('ops.migrations')
    .values(migrations.map(({ version, name, checksum }) => ({ version, name, checksum, applied_at })))
    .execute();
}

// The first migrations whose layout the ops tables already have: each is replayed on an empty
// database, and the last whose every column and constraint the warehouse has is where it stands.
async function heldAlready(db: Kysely<Database>, candidates: Migration[]): Promise<Migration[]> {
  const held = new Set(await layoutOf(db));
  const instance = await DuckDBInstance.create(':memory:');
  const scratch = new Kysely<Database>({ dialect: new DuckDBDialect({ instance }) });
  try {
    let count = 0;
    for (const [index, migration] of candidates.entries()) {
      await sql.raw(migration.sql).execute(scratch);
      if ((await layoutOf(scratch)).every((line) => held.has(line))) count = index + 1;
    }
    return candidates.slice(0, count);
  } finally {
    await scratch.destroy();
    instance.closeSync();
  }
}

async function layoutOf(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ line: string }>`
    select concat_ws(' ', table_name, column_name, data_type, if(is_nullable = 'NO', 'not null', null), 'default ' || column_default) as line
    from information_schema.columns
    where table_catalog = current_database() and table_schema = 'ops' and table_name <> 'migrations'
    union all
    select concat_ws(' ', table_name, constraint_type, array_to_string(constraint_column_names, ', '))
    from duckdb_constraints()
    where database_name = current_database() and schema_name = 'ops' and table_name <> 'migrations' and constraint_type <> 'NOT NULL'`.execute(
    db,
  );
  return rows.map((row) => row.line);
}
