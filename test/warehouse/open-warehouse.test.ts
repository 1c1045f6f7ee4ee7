import { rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { tempConfig } from '../helpers/temp-warehouse.js';

describe('opening a warehouse made by an earlier version', () => {
  it('lets one file feed several tables, keeping the files loaded before and their ids', async () => {
    const config = tempConfig();
    // ops.loaded_files as it was: a content hash unique on its own.
    const old = await DuckDBInstance.create(config.warehousePath);
    const connection = await old.connect();
    await connection.run(`create schema ops; create sequence ops.file_id_seq;
      create table ops.loaded_files (file_id bigint primary key default nextval('ops.file_id_seq'), content_hash varchar not null unique,
        path varchar not null, table_name varchar not null, format varchar not null, rows_read bigint not null, rows_loaded bigint not null,
        rows_quarantined bigint not null, run_id bigint, loaded_at timestamp not null);
      insert into ops.loaded_files (content_hash, path, table_name, format, rows_read, rows_loaded, rows_quarantined, loaded_at)
        values ('abc', '/in/orders.csv', 'orders', 'csv', 3, 3, 0, '2026-11-01 00:00:00')`);
    connection.closeSync();
    old.closeSync();

    const warehouse = await openWarehouse(config);
    try {
      const { db } = warehouse;
      const row = {
        content_hash: 'abc',
        path: '/in/export.csv',
        format: 'csv',
        rows_read: 1,
        rows_loaded: 1,
        rows_quarantined: 0,
        loaded_at: new Date(),
      };
      await db
        .insertInto('ops.loaded_files')
        .values({ ...row, table_name: 'order_items' })
        .execute();
      await expect(
        db
          .insertInto('ops.loaded_files')
          .values({ ...row, table_name: 'orders' })
          .execute(),
      ).rejects.toThrow(/Duplicate key/);
      const files = await db
        .selectFrom('ops.loaded_files')
        .select(['file_id', 'content_hash', 'table_name', 'rows_read'])
        .orderBy('file_id')
        .execute();
      expect(files).toEqual([
        { file_id: 1, content_hash: 'abc', table_name: 'orders', rows_read: 3 },
        { file_id: 2, content_hash: 'abc', table_name: 'order_items', rows_read: 1 },
      ]);
      const { rows } =
        await sql`select count(*) as n from duckdb_tables() where schema_name = 'ops' and table_name = 'loaded_files_before'`.execute(db);
      expect(rows).toEqual([{ n: 0 }]);
    } finally {
      await warehouse.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  });

  it("gives raw.campaigns of an earlier warehouse the campaign's coupon_code, keeping its rows", async () => {
    const config = tempConfig();
    // raw.campaigns as it was before campaigns had their own coupon.
    const old = await DuckDBInstance.create(config.warehousePath);
    const connection = await old.connect();
    await connection.run(`create schema raw;
      create table raw.campaigns (campaign_id varchar not null, name varchar not null, channel varchar not null,
        sent_at timestamp not null, cost_per_contact decimal(18, 4) not null, coupon_value decimal(18, 2), attribution_days integer,
        _file_id bigint not null, _line bigint not null);
      insert into raw.campaigns values ('C1', '召回', 'sms', '2026-06-01 10:00:00', 0.05, 10, 7, 1, 2)`);
    connection.closeSync();
    old.closeSync();

    const warehouse = await openWarehouse(config);
    try {
      const { rows } = await sql<{ campaign_id: string; coupon_code: string | null }>`
        select campaign_id, coupon_code from raw.campaigns`.execute(warehouse.db);
      expect(rows).toEqual([{ campaign_id: 'C1', coupon_code: null }]);
    } finally {
      await warehouse.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  });

  it('gives the rows of an earlier ops.quarantine a published reason without the values they quote', async () => {
    const config = tempConfig();
    // ops.quarantine as it was before reasons were published without values.
    const old = await DuckDBInstance.create(config.warehousePath);
    const connection = await old.connect();
    await connection.run(`create schema ops;
      create table ops.quarantine (file_id bigint not null, path varchar not null, table_name varchar not null, line bigint,
        reason varchar not null, record varchar, quarantined_at timestamp not null);
      insert into ops.quarantine values
        (1, '/in/orders.csv', 'orders', 2, 'item_count: ''13912345678'' is not a INTEGER; paid_amount is missing', '{}', '2026-11-01 00:00:00'),
        (1, '/in/orders.csv', 'orders', 3, 'created_at: ''tb_0001; x'' is not a TIMESTAMP; paid_amount: ''a'' is not a DECIMAL(18,2)', '{}', '2026-11-01 00:00:00'),
        (1, '/in/orders.csv', 'orders', 4, 'breaks the rule paid_amount >= 0', '{}', '2026-11-01 00:00:00')`);
    connection.closeSync();
    old.closeSync();

    const warehouse = await openWarehouse(config);
    try {
      const rows = await warehouse.db.selectFrom('ops.quarantine').select(['line', 'reason', 'public_reason']).orderBy('line').execute();
      expect(rows.map(({ line, public_reason }) => ({ line, public_reason }))).toEqual([
        { line: 2, public_reason: 'item_count is not a INTEGER; paid_amount is missing' },
        { line: 3, public_reason: 'created_at is not a TIMESTAMP; paid_amount is not a DECIMAL(18,2)' },
        { line: 4, public_reason: 'breaks the rule paid_amount >= 0' },
      ]);
      // The full reason stays, for the operator.
      expect(rows[0]!.reason).toBe("item_count: '13912345678' is not a INTEGER; paid_amount is missing");
    } finally {
      await warehouse.close();
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  });
});
