import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { generateShop } from '../pipelines/generate/generate-shop.js';
import { loadFiles } from '../pipelines/load/load-files.js';
import { readMacros } from '../pipelines/run/read-macros.js';
import { withRun } from '../pipelines/run/run-log.js';
import { buildWarehouse } from '../pipelines/transform/build-warehouse.js';
import { seedStatements } from '../pipelines/transform/load-seeds.js';
import type { Database } from '../pipelines/warehouse/database.js';
import { openWarehouse } from '../pipelines/warehouse/open-warehouse.js';
import { identifier } from '../pipelines/warehouse/sql-text.js';
import { repoSeeds, shopTimeZone } from './helpers/repo-seeds.js';
import { repoDir } from './helpers/temp-project.js';
import { tempConfig } from './helpers/temp-warehouse.js';
import { testRun } from './helpers/test-run.js';

// Binomial draws for every pair of arm sizes (10, 20, 50) and response rates (0, 2%, 10%, 30%),
// 1,000 replicates each, from a hash of (config, replicate, arm, trial) as the generator draws; each
// draw's interval from the models' own macros.
const drawsQuery = `
  create table draws as
  with
  sizes as (select * from (values (10), (20), (50)) as sizes(n)),
  rates as (select * from (values (0.0), (0.02), (0.1), (0.3)) as rates(p)),
  configs as (
    select treatment.n as n_t, control.n as n_c, rate_t.p as p_t, rate_c.p as p_c
    from sizes as treatment cross join sizes as control cross join rates as rate_t cross join rates as rate_c
  ),
  replicates as (select configs.*, replicate from configs cross join range(1000) as replicates(replicate)),
  drawn as (
    select
      replicates.*,
      (select count(*) from range(n_t) as trials(trial)
        where hash(concat_ws('|', 'coverage', n_t, n_c, p_t, p_c, replicate, 't', trial)) / 18446744073709551616.0 < p_t) as x_t,
      (select count(*) from range(n_c) as trials(trial)
        where hash(concat_ws('|', 'coverage', n_t, n_c, p_t, p_c, replicate, 'c', trial)) / 18446744073709551616.0 < p_c) as x_c
    from replicates
  )
  select drawn.*, newcombe_low(x_t, n_t, x_c, n_c) as low, newcombe_high(x_t, n_t, x_c, n_c) as high
  from drawn`;

const moneyColumns = [
  'attributed_revenue',
  'overlap_revenue',
  'control_revenue',
  'revenue_per_member_t',
  'revenue_per_member_c',
  'incremental_revenue',
  'incremental_revenue_ci_low',
  'incremental_revenue_ci_high',
  'revenue_lift',
  'cost',
];

/** Money columns of the campaign marts that are not DECIMAL(18,2), and DOUBLE columns holding NaN or ±infinity. */
async function badCampaignFigures(db: Kysely<Database>): Promise<string[]> {
  const { rows: columns } = await sql<{ relation: string; name: string; type: string }>`
    select 'marts.' || table_name as relation, column_name as name, data_type as type from information_schema.columns
    where table_schema = 'marts' and table_name in ('campaign_roi', 'campaign_roi_by_segment')`.execute(db);
  // Both marts were built: a missing one would have no columns to check.
  expect(new Set(columns.map((column) => column.relation))).toEqual(new Set(['marts.campaign_roi', 'marts.campaign_roi_by_segment']));
  const bad = columns
    .filter((column) => moneyColumns.includes(column.name) && column.type !== 'DECIMAL(18,2)')
    .map((column) => `${column.relation}.${column.name} is ${column.type}`);
  for (const column of columns.filter((candidate) => candidate.type === 'DOUBLE')) {
    const { rows } = await sql
      .raw<{ n: number }>(`select count(*) as n from ${column.relation} where not isfinite(${identifier(column.name)})`)
      .execute(db);
    if (rows[0]!.n > 0) bad.push(`${column.relation}.${column.name} has ${rows[0]!.n} NaN or infinite values`);
  }
  return bad;
}

/** An in-memory DuckDB with, as in a build session, the seeds (which some macros read), then the macros. */
async function withMacros(run: (connection: DuckDBConnection) => Promise<void>): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    await connection.run('create schema seeds');
    for (const { statement } of seedStatements(join(repoDir, 'seeds'))) await connection.run(statement);
    await connection.run(readMacros(join(repoDir, 'models')).sql);
    await run(connection);
  } finally {
    instance.closeSync();
  }
}

describe('the minimum detectable lift', () => {
  it('is (z_0.975 + z_0.80) √(p (1 − p) (1/n_t + 1/n_c)) for two arm sizes, by hand', async () => {
    await withMacros(async (connection) => {
      const reader = await connection.runAndReadAll(`select
        minimum_detectable_lift(0.05, 1000, 100) as unequal,
        minimum_detectable_lift(0.1, 5000, 5000) as equal,
        minimum_detectable_lift(0.1, 5000, 0) as without_control`);
      const [row] = reader.getRowObjectsJson() as Array<{ unequal: number; equal: number; without_control: number | null }>;
      // z_0.975 + z_0.80 = 1.959964 + 0.841621 = 2.801585.
      // 1,000 against 100 at 5%: √(0.05 x 0.95 x (0.001 + 0.01)) = √0.0005225 = 0.0228583; x 2.801585 = 0.0640394.
      expect(row!.unequal).toBeCloseTo(0.0640394, 7);
      // 5,000 against 5,000 at 10%: √(0.1 x 0.9 x 0.0004) = √0.000036 = 0.006; x 2.801585 = 0.01680951.
      expect(row!.equal).toBeCloseTo(0.01680951, 8);
      expect(row!.without_control).toBeNull();
    });
  });
});

describe('the lift interval on small arms', () => {
  it('covers the true difference in at least 93% of draws for every pair of rates, zero responders included, always within [-1, 1]', async () => {
    await withMacros(async (connection) => {
      await connection.run(drawsQuery);
      const [summary] = (
        await connection.runAndReadAll(`select
          count(*)::integer as draws,
          count(*) filter (where x_t = 0 or x_c = 0)::integer as without_responders,
          count(*) filter (where not (-1 <= low and low <= high and high <= 1))::integer as outside
        from draws`)
      ).getRowObjectsJson() as Array<{ draws: number; without_responders: number; outside: number }>;
      expect(summary).toMatchObject({ draws: 144_000, outside: 0 });
      // Most draws have an arm without a single responder: where the Wald interval has no width.
      expect(summary!.without_responders).toBeGreaterThan(72_000);
      const byRates = await connection.runAndReadAll(`select p_t::varchar || ' vs ' || p_c::varchar as rates,
          avg((low <= p_t - p_c and p_t - p_c <= high)::integer) as coverage
        from draws group by p_t, p_c order by p_t, p_c`);
      const rows = byRates.getRowObjectsJson() as Array<{ rates: string; coverage: number }>;
      expect(rows).toHaveLength(16);
      expect(rows.filter((row) => row.coverage < 0.93)).toEqual([]);
    });
  });
});

describe('campaign lift on generated shops', () => {
  it('covers the planted uplift with its 95% interval in about 95% of campaigns, over several seeds, with money in DECIMAL and every figure finite', async () => {
    const outcomes: Array<{ seed: number; campaign: string; covered: boolean; detail: string }> = [];
    for (const seed of [21, 22, 23, 24]) {
      const config = tempConfig();
      const shopDir = join(config.dataDir, 'shop');
      const truth = await generateShop({ shopTimeZone, members: 60_000, days: 730, endDate: '2026-11-20', seed, outDir: shopDir });
      const warehouse = await openWarehouse(config);
      try {
        // Only the campaign marts checked below and what they read: four 60,000-member shops.
        await withRun(warehouse.db, 'refresh', async (runId) => {
          await loadFiles(warehouse.db, [shopDir], { runId, ...repoSeeds });
          await buildWarehouse(warehouse.db, await testRun(config, runId), { select: ['+campaign_roi', '+campaign_roi_by_segment'] });
        });
        const { rows } = await sql<{
          campaign_id: string;
          treatment_size: number;
          control_size: number;
          lift: number | null;
          lift_ci_low: number | null;
          lift_ci_high: number | null;
        }>`
          select campaign_id, treatment_size, control_size, lift, lift_ci_low, lift_ci_high from marts.campaign_roi order by campaign_id`.execute(
          warehouse.db,
        );
        for (const planted of truth.campaigns) {
          const measured = rows.find((row) => row.campaign_id === planted.campaign_id)!;
          expect(measured.treatment_size + measured.control_size).toBe(planted.targeted);
          if (planted.control_fraction === 0) {
            expect([measured.lift, measured.lift_ci_low, measured.lift_ci_high]).toEqual([null, null, null]);
            continue;
          }
          outcomes.push({
            seed,
            campaign: planted.campaign_id,
            covered: measured.lift_ci_low! <= planted.true_uplift && planted.true_uplift <= measured.lift_ci_high!,
            detail: `[${measured.lift_ci_low!.toFixed(4)}, ${measured.lift_ci_high!.toFixed(4)}] vs ${planted.true_uplift.toFixed(4)}`,
          });
        }
        expect(await badCampaignFigures(warehouse.db)).toEqual([]);
      } finally {
        await warehouse.close();
      }
    }
    expect(outcomes).toHaveLength(28); // 7 campaigns with a control group x 4 seeds
    // At 95% coverage, 24 or more of 28 intervals cover with probability 0.99 (binomial).
    const missed = outcomes.filter((outcome) => !outcome.covered);
    expect(missed.length, JSON.stringify(missed)).toBeLessThanOrEqual(4);
  }, 600_000);
});
