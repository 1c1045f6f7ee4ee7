import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Kysely, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import type { WarehouseConfig } from '../../pipelines/config.js';
import type { Database } from '../../pipelines/warehouse/database.js';
import { migrateWarehouse } from '../../pipelines/warehouse/migrate-warehouse.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { migrationsFolder, readMigrations } from '../../pipelines/warehouse/read-migrations.js';
import { tempConfig } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');

const names = [
  'run-log',
  'exports',
  'model-state',
  'file-per-table',
  'published',
  'model-catalog',
  'skipped-records',
  'run-processes',
  'export-guards',
  'public-reasons',
  'publish-holds',
  'run-publishing',
  'defaults-not-null',
  'model-content',
];

const configs: WarehouseConfig[] = [];
afterEach(() => {
  for (const config of configs.splice(0)) rmSync(config.dataDir, { recursive: true, force: true });
});

function newConfig(): WarehouseConfig {
  const config = tempConfig();
  configs.push(config);
  return config;
}

// A warehouse file written by DuckDB alone, as an earlier version left it.
async function makeEarlier(config: WarehouseConfig, script: string): Promise<void> {
  const instance = await DuckDBInstance.create(config.warehousePath);
  const connection = await instance.connect();
  await connection.run(script);
  connection.closeSync();
  instance.closeSync();
}

async function withOpened<T>(config: WarehouseConfig, run: (db: Kysely<Database>) => Promise<T>, readOnly = false): Promise<T> {
  const warehouse = await openWarehouse(config, { readOnly });
  try {
    return await run(warehouse.db);
  } finally {
    await warehouse.close();
  }
}

const recorded = (db: Kysely<Database>) =>
  db.selectFrom('ops.migrations').select(['version', 'name', 'checksum', 'applied_at']).orderBy('version').execute();

// Every column and constraint of the ops tables, as a fresh warehouse must have them too.
async function layoutOf(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ line: string }>`
    select concat_ws(' ', table_name, column_name, data_type, is_nullable, column_default) as line
    from information_schema.columns where table_schema = 'ops'
    union all
    select concat_ws(' ', table_name, constraint_type, constraint_column_names::varchar) from duckdb_constraints() where schema_name = 'ops'
    order by line`.execute(db);
  return rows.map((row) => row.line);
}

async function freshLayout(): Promise<string[]> {
  return withOpened(newConfig(), layoutOf);
}

describe('the migrations of the ops tables', () => {
  it('make a fresh warehouse, recorded in order with their checksums, and are not applied again', async () => {
    const config = newConfig();
    const first = await withOpened(config, recorded);
    expect(first.map(({ version, name }) => ({ version, name }))).toEqual(names.map((name, index) => ({ version: index + 1, name })));
    const text = readFileSync(join(migrationsFolder, '0004-file-per-table.sql'), 'utf8');
    expect(first[3]!.checksum).toBe(createHash('sha256').update(text).digest('hex'));
    expect(await withOpened(config, recorded)).toEqual(first);
  });

  it('bring a warehouse of the first release to the layout of a fresh one, keeping its rows and file ids', async () => {
    const config = newConfig();
    await makeEarlier(
      config,
      `${fixture('ops-schema-first-release.sql')};
      insert into ops.runs (command, started_at, status) values ('refresh', '2026-11-01 08:00:00', 'succeeded');
      insert into ops.loaded_files (content_hash, path, table_name, format, rows_read, rows_loaded, rows_quarantined, run_id, loaded_at)
        values ('abc', '/in/orders.csv', 'orders', 'csv', 3, 2, 1, 1, '2026-11-01 08:00:01');
      insert into ops.quarantine values
        (1, '/in/orders.csv', 'orders', 2, 'item_count: ''13912345678'' is not a INTEGER; paid_amount is missing', '{}', '2026-11-01 08:00:01'),
        (1, '/in/orders.csv', 'orders', 3, 'breaks the rule paid_amount >= 0', '{}', '2026-11-01 08:00:01')`,
    );

    await withOpened(config, async (db) => {
      expect((await recorded(db)).map((row) => row.version)).toEqual(names.map((_, index) => index + 1));
      expect(await layoutOf(db)).toEqual(await freshLayout());
      // One file may now feed several tables; the same file for the same table is still refused.
      const file = { content_hash: 'abc', path: '/in/export.csv', format: 'csv', rows_read: 1, rows_loaded: 1, rows_quarantined: 0 };
      await db
        .insertInto('ops.loaded_files')
        .values({ ...file, table_name: 'order_items', loaded_at: new Date(Date.UTC(2026, 10, 2)) })
        .execute();
      await expect(
        db
          .insertInto('ops.loaded_files')
          .values({ ...file, table_name: 'orders', loaded_at: new Date() })
          .execute(),
      ).rejects.toThrow(/Duplicate key/);
      expect(
        await db
          .selectFrom('ops.loaded_files')
          .select(['file_id', 'table_name', 'rows_read', 'rows_skipped', 'run_id'])
          .orderBy('file_id')
          .execute(),
      ).toEqual([
        { file_id: 1, table_name: 'orders', rows_read: 3, rows_skipped: 0, run_id: 1 },
        { file_id: 2, table_name: 'order_items', rows_read: 1, rows_skipped: 0, run_id: null },
      ]);
      expect(await db.selectFrom('ops.quarantine').select(['line', 'reason', 'public_reason']).orderBy('line').execute()).toEqual([
        {
          line: 2,
          reason: "item_count: '13912345678' is not a INTEGER; paid_amount is missing",
          public_reason: 'item_count is not a INTEGER; paid_amount is missing',
        },
        { line: 3, reason: 'breaks the rule paid_amount >= 0', public_reason: 'breaks the rule paid_amount >= 0' },
      ]);
      expect(await db.selectFrom('ops.runs').select(['run_id', 'status']).execute()).toEqual([{ run_id: 1, status: 'succeeded' }]);
    });
  });

  it('recognise a warehouse made by the create script they replace, keeping its rows and sequences', async () => {
    const config = newConfig();
    await makeEarlier(
      config,
      `${fixture('ops-schema-before-migrations.sql')};
      insert into ops.runs (command, started_at, finished_at, status) values ('refresh', '2026-11-01 08:00:00', '2026-11-01 08:05:00', 'succeeded');
      insert into ops.loaded_files (content_hash, path, table_name, format, rows_read, rows_loaded, rows_quarantined, rows_skipped, skip_reason, run_id, loaded_at)
        values ('abc', '/in/export.csv', 'orders', 'csv', 5, 3, 0, 2, 'rows', 1, '2026-11-01 08:00:01');
      insert into ops.exports (campaign_id, path, format, filters, control_fraction, rows, control_rows, exported_at, rule, run_id)
        values ('C1', '/out/c1.csv', 'csv', '{}', 0.1, 10, 1, '2026-11-01 08:06:00', 'winback', 1);
      insert into ops.published values ('marts', 'f1', 1, '2026-11-01 08:04:00', 'd1')`,
    );

    await withOpened(config, async (db) => {
      const migrations = await recorded(db);
      expect(migrations.map((row) => row.version)).toEqual(names.map((_, index) => index + 1));
      expect(await layoutOf(db)).toEqual(await freshLayout());
      expect(await db.selectFrom('ops.loaded_files').select(['file_id', 'rows_read', 'rows_skipped', 'skip_reason']).execute()).toEqual([
        { file_id: 1, rows_read: 5, rows_skipped: 2, skip_reason: 'rows' },
      ]);
      expect(await db.selectFrom('ops.exports').select(['export_id', 'status', 'rule', 'rows']).execute()).toEqual([
        { export_id: 1, status: 'exported', rule: 'winback', rows: 10 },
      ]);
      expect(await db.selectFrom('ops.published').select(['target', 'definitions']).execute()).toEqual([
        { target: 'marts', definitions: 'd1' },
      ]);
      // The sequences go on from where they were.
      const { run_id } = await db
        .insertInto('ops.runs')
        .values({ command: 'refresh', started_at: new Date(), status: 'running' })
        .returning('run_id')
        .executeTakeFirstOrThrow();
      expect(run_id).toBe(2);
    });
  });

  it('refuse a warehouse that a newer version migrated, for writing and for reading', async () => {
    const config = newConfig();
    const folder = writeFiles({ '0015-newer.sql': 'create table ops.newer (id bigint);' });
    cpSync(migrationsFolder, folder, { recursive: true });
    await withOpened(config, (db) => migrateWarehouse(db, readMigrations(folder), config.warehousePath));

    const refusal = `${config.warehousePath} has migration 0015-newer applied, which this version does not have: a newer version of the pipelines wrote it; open it with that version`;
    await expect(openWarehouse(config)).rejects.toThrow(refusal);
    await expect(openWarehouse(config, { readOnly: true })).rejects.toThrow(refusal);
    // Refused, the lock is free again.
    await expect(openWarehouse(config)).rejects.toThrow(refusal);
  });

  it('refuse a migration edited after it was applied', async () => {
    const config = newConfig();
    const folder = writeFiles({});
    cpSync(migrationsFolder, folder, { recursive: true });
    const edited = join(folder, '0005-published.sql');
    appendFileSync(edited, 'alter table ops.published add column note varchar;\n');
    const was = createHash('sha256')
      .update(readFileSync(join(migrationsFolder, '0005-published.sql'), 'utf8'))
      .digest('hex');
    const now = createHash('sha256').update(readFileSync(edited, 'utf8')).digest('hex');

    await withOpened(config, async (db) => {
      await expect(migrateWarehouse(db, readMigrations(folder), config.warehousePath)).rejects.toThrow(
        `${edited} is not the migration 0005-published applied to ${config.warehousePath} (checksum ${was.slice(0, 12)}, now ${now.slice(0, 12)}): restore the file as applied and make the change in a new migration`,
      );
    });
  });

  it('leave the warehouse as it was when a migration fails, naming the migration', async () => {
    const config = newConfig();
    const folder = writeFiles({ '0015-broken.sql': 'create table ops.half (id bigint);\nselect * from ops.no_such_table;\n' });
    cpSync(migrationsFolder, folder, { recursive: true });

    await withOpened(config, async (db) => {
      await expect(migrateWarehouse(db, readMigrations(folder), config.warehousePath)).rejects.toThrow(
        `${join(folder, '0015-broken.sql')} failed on ${config.warehousePath}, left as it was: Catalog Error: Table with name no_such_table does not exist!; correct the migration and open it again`,
      );
      const { rows } = await sql`select table_name from duckdb_tables() where schema_name = 'ops' and table_name = 'half'`.execute(db);
      expect(rows).toEqual([]);
      expect(await recorded(db)).toHaveLength(names.length);
    });
  });

  it('take files named NNNN-name.sql numbered without a gap, and no other', () => {
    const folder = writeFiles({ '0001-first.sql': 'select 1;', '0003-third.sql': 'select 3;' });
    expect(() => readMigrations(folder)).toThrow(
      `${join(folder, '0003-third.sql')}: not migration 0002: name the migrations NNNN-name.sql, numbered from 0001 without a gap`,
    );
    writeFileSync(join(folder, '0002-Second.sql'), 'select 2;');
    expect(() => readMigrations(folder)).toThrow(`${join(folder, '0002-Second.sql')}: not migration 0002`);
  });
});
