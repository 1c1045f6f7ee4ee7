import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { floorScript } from '../../bench/floor-script.js';
import { checkFloorEqualsPipeline } from '../../bench/run-bench.js';
import { generateShop } from '../../pipelines/generate/generate-shop.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { shopTimeZone } from '../helpers/repo-seeds.js';
import { runRefresh } from '../helpers/run-refresh.js';
import { tempConfig } from '../helpers/temp-warehouse.js';

async function runScript(path: string, script: string): Promise<void> {
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  try {
    await connection.run(script);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('the benchmark floor', () => {
  it('computes the same marts as the pipeline from the same files, or only some of them, and the check finds one changed row', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warehouse-floor-'));
    const config = tempConfig();
    try {
      const shop = join(dir, 'shop');
      await generateShop({ shopTimeZone, members: 3_000, days: 400, endDate: '2026-11-20', seed: 5, outDir: shop });
      const warehouse = await openWarehouse(config);
      try {
        await runRefresh(warehouse, { inputs: [shop] });
      } finally {
        await warehouse.close();
      }
      const script = await floorScript(config, shop, 'test-salt-0001');
      writeFileSync(join(dir, 'floor.sql'), script);
      const floor = join(dir, 'floor.duckdb');
      await runScript(floor, script);
      await checkFloorEqualsPipeline(floor, config.warehousePath);

      // For some marts only: those, what they read, and the raw files they read.
      const kpiFloor = join(dir, 'kpi-floor.duckdb');
      await runScript(kpiFloor, await floorScript(config, shop, 'test-salt-0001', ['marts.kpi_monthly']));
      await checkFloorEqualsPipeline(kpiFloor, config.warehousePath);
      const instance = await DuckDBInstance.create(kpiFloor);
      const connection = await instance.connect();
      const relations = (
        await connection.runAndReadAll(`select schema_name || '.' || table_name from duckdb_tables() where schema_name not in ('raw', 'seeds')
        union all select schema_name || '.' || view_name from duckdb_views() where not internal order by 1`)
      )
        .getRows()
        .flat();
      const rawRows = (
        await connection.runAndReadAll(
          `select table_name, estimated_size from duckdb_tables() where schema_name = 'raw' and estimated_size > 0 order by 1`,
        )
      ).getRows();
      connection.closeSync();
      instance.closeSync();
      expect(relations).toEqual([
        'intermediate.int_as_of_date_resolved',
        'intermediate.int_member_first_purchases',
        'intermediate.int_member_occasions_summarized',
        'intermediate.int_members_first_seen',
        'intermediate.int_purchase_occasions',
        'intermediate.int_purchase_occasions_numbered',
        'intermediate.int_purchases_keyed',
        'marts.kpi_monthly',
        'staging.stg_members',
        'staging.stg_orders',
      ]);
      expect(rawRows.map(([table]) => table)).toEqual(['members', 'orders']);

      await runScript(
        floor,
        'update marts.member_facts set revenue = revenue + 1 where member_id = (select min(member_id) from marts.member_facts)',
      );
      await expect(checkFloorEqualsPipeline(floor, config.warehousePath)).rejects.toThrow(
        /^the floor's marts differ from the pipeline's: member_facts \(1 rows only in the floor, 1 only in the pipeline\)$/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(config.dataDir, { recursive: true, force: true });
    }
  });
});
