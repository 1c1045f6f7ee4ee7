import { rmSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { tempConfig } from '../helpers/temp-warehouse.js';

describe('opening a warehouse made by an earlier version', () => {
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
});
