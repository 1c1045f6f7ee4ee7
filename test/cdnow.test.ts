import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readMapping } from '../pipelines/load/input-mapping.js';
import { loadFile } from '../pipelines/load/load-file.js';
import { withRun } from '../pipelines/run/run-log.js';
import { buildWarehouse } from '../pipelines/transform/build-warehouse.js';
import type { Warehouse } from '../pipelines/warehouse/open-warehouse.js';
import { repoSeeds } from './helpers/repo-seeds.js';
import { repoDir } from './helpers/temp-project.js';
import { withWarehouse } from './helpers/temp-warehouse.js';
import { testRun } from './helpers/test-run.js';

// The real CDNOW log, with figures computed independently of this code (test/fixtures/cdnow/README.md).
const cdnowDir = join(repoDir, 'test/fixtures/cdnow');

// The log is a list of transactions: its 80 lines of $0.00 (8 in the sample) are transactions too,
// as in every published figure on it.
const transactionLog = { zero_value_purchases: 'true' };

async function loadAndBuild(warehouse: Warehouse, file: string, mapping: string, parameters: Record<string, string> = {}) {
  const { db, config } = warehouse;
  const [loaded] = await loadFile(db, join(cdnowDir, file), { ...repoSeeds, mapping: readMapping(mapping) });
  await withRun(db, 'build', async (runId) =>
    buildWarehouse(db, await testRun(config, runId, { parameters: { ...transactionLog, ...parameters } })),
  );
  return loaded;
}

async function rows<T>(warehouse: Warehouse, text: string): Promise<T[]> {
  return (await sql.raw<T>(text).execute(warehouse.db)).rows;
}

describe('CDNOW master log (69,659 rows, 23,570 customers)', () => {
  it('loads every row, and member facts and the ladder match the independent figures', async () => {
    await withWarehouse(async (warehouse) => {
      const loaded = await loadAndBuild(warehouse, 'CDNOW_master.txt', 'cdnow');
      expect(loaded).toMatchObject({ rowsRead: 69_659, rowsLoaded: 69_659, rowsQuarantined: 0 });

      const [totals] = await rows<Record<string, number>>(
        warehouse,
        `
        select count(*) as members, sum(revenue)::varchar as revenue, sum(occasions) as occasions,
               round(100 * avg((occasions >= 2)::integer), 2) as repeat_share
        from marts.member_facts`,
      );
      expect(totals).toEqual({ members: 23_570, revenue: '2500315.63', occasions: 67_591, repeat_share: 48.86 });

      const byOccasions = await rows<{ occasions: number; members: number }>(
        warehouse,
        'select occasions, count(*) as members from marts.member_facts where occasions <= 5 group by 1 order by 1',
      );
      expect(byOccasions.map((row) => row.members)).toEqual([12_054, 4_040, 2_205, 1_436, 991]);

      const ladder = await rows<{ reached_n: number; median_days_to_next: number }>(
        warehouse,
        "select reached_n, median_days_to_next from marts.repurchase_ladder where variant = 'naive' and step_n <= 6 order by step_n",
      );
      expect(ladder.map((step) => step.reached_n)).toEqual([23_570, 11_516, 7_476, 5_271, 3_835, 2_844]);
      expect(ladder[0]?.median_days_to_next).toBe(57);
    });
  });
});

describe('CDNOW 1/10 sample (6,919 rows, 2,357 customers)', () => {
  it('matches the published calibration figures when built as of 1997-09-30', async () => {
    await withWarehouse(async (warehouse) => {
      const loaded = await loadAndBuild(warehouse, 'CDNOW_sample.txt', 'cdnow_sample', { as_of_date: '1997-09-30' });
      expect(loaded).toMatchObject({ rowsRead: 6_919, rowsLoaded: 6_919, rowsQuarantined: 0 });
      // BTYD walkthrough: customers by number of repeat occasions in calibration, x = 0..6 and 7+.
      const repeats = await rows<{ x: number; members: number }>(
        warehouse,
        `
        select least(occasions - 1, 7) as x, count(*) as members from marts.member_facts group by 1 order by 1`,
      );
      expect(repeats.map((row) => row.members)).toEqual([1411, 439, 214, 100, 62, 38, 29, 64]);
      const [repeatOccasions] = await rows<{ n: number }>(warehouse, 'select sum(occasions - 1) as n from marts.member_facts');
      expect(repeatOccasions?.n).toBe(2_457);
    });
  });

  it('counts 1,882 occasions in the holdout period 1997-10-01..1998-06-30, and 6,696 customer-days in all', async () => {
    await withWarehouse(async (warehouse) => {
      await loadAndBuild(warehouse, 'CDNOW_sample.txt', 'cdnow_sample');
      const [counts] = await rows<{ holdout: number; all_occasions: number; customers: number }>(
        warehouse,
        `
        select count(*) filter (where occasion_date >= date '1997-10-01') as holdout, count(*) as all_occasions,
               count(distinct member_id) as customers
        from intermediate.int_purchase_occasions`,
      );
      expect(counts).toEqual({ holdout: 1_882, all_occasions: 6_696, customers: 2_357 });
    });
  });
});
