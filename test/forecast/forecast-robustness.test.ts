import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readMapping } from '../../pipelines/load/input-mapping.js';
import { loadFile } from '../../pipelines/load/load-file.js';
import { withRun } from '../../pipelines/run/run-log.js';
import { buildWarehouse } from '../../pipelines/transform/build-warehouse.js';
import type { Warehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { withRefreshedShop } from '../helpers/refreshed-shop.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { repoDir } from '../helpers/temp-project.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';
import { testRun } from '../helpers/test-run.js';
import { writeFiles } from '../helpers/write-files.js';

const cdnow = { file: join(repoDir, 'test/fixtures/cdnow/CDNOW_sample.txt'), mapping: 'cdnow_sample' };
// The CDNOW log's $0.00 lines are transactions too, as in the published figures.
const calibration = { as_of_date: '1997-09-30', zero_value_purchases: 'true' };

async function build(warehouse: Warehouse, parameters: Record<string, string> = {}) {
  const lines: string[] = [];
  const { db, config } = warehouse;
  await withRun(db, 'build', async (runId) =>
    buildWarehouse(db, await testRun(config, runId, { parameters, log: (line) => lines.push(line) })),
  );
  return lines;
}

async function rows<T>(warehouse: Warehouse, text: string): Promise<T[]> {
  return (await sql.raw<T>(text).execute(warehouse.db)).rows;
}

interface Fit {
  r: number | null;
  alpha: number | null;
  a: number | null;
  b: number | null;
  status: string;
  converged: boolean | null;
  note: string | null;
}
const bgnbdFit = async (warehouse: Warehouse) =>
  (await rows<Fit>(warehouse, "select * from intermediate.int_bgnbd_fit where model = 'bgnbd'"))[0]!;
const params = ({ r, alpha, a, b }: Fit) => ({ r, alpha, a, b });

describe('forecasts that cannot or do not fit', () => {
  it('gives a shop without repeat buyers NULL forecasts and a note, and the build succeeds', async () => {
    await withWarehouse(async (warehouse) => {
      const dir = writeFiles({
        'orders.csv':
          'order_id,member_id,created_at,paid_at,status,paid_amount\n' +
          'o1,m1,2026-11-01 10:00:00,2026-11-01 10:00:00,completed,100\n' +
          'o2,m2,2026-11-02 10:00:00,2026-11-02 10:00:00,completed,80\n' +
          'o3,m3,2026-11-03 10:00:00,2026-11-03 10:00:00,completed,60\n',
      });
      await loadFile(warehouse.db, join(dir, 'orders.csv'), { ...repoSeeds });
      await build(warehouse, { forecast_min_members: '1' });
      expect(await bgnbdFit(warehouse)).toMatchObject({
        r: null,
        status: 'not_fitted',
        converged: null,
        note: 'BG/NBD not fitted: no member has a repeat occasion, so no forecast',
      });
      const forecasts = await rows<Record<string, unknown>>(
        warehouse,
        'select x, p_alive, expected_occasions_365d, clv_12m, clv_decile, note from marts.member_forecast',
      );
      expect(forecasts).toHaveLength(3);
      for (const forecast of forecasts)
        expect(forecast).toEqual({
          x: 0,
          p_alive: null,
          expected_occasions_365d: null,
          clv_12m: null,
          clv_decile: null,
          // Each BG-family fit's note, by model code, then Gamma-Gamma's.
          note: 'BG/NBD not fitted: no member has a repeat occasion, so no forecast; MBG/NBD not fitted: no member has a repeat occasion, so no forecast; Gamma-Gamma not fitted: 0 repeat buyers with a positive mean repeat value, fewer than forecast_min_members (1), so no forecast',
        });
    });
  });

  it('does not fit a shop with fewer members than forecast_min_members, and says so on the Data page mart', async () => {
    await withWarehouse(async (warehouse) => {
      await loadFile(warehouse.db, cdnow.file, { ...repoSeeds, mapping: readMapping(cdnow.mapping) });
      await build(warehouse, { ...calibration, forecast_min_members: '3000' });
      const fits = await rows<{ model: string; status: string; members: number; note: string }>(
        warehouse,
        'select model, status, members, note from marts.data_forecast_fits order by model',
      );
      expect(fits).toEqual([
        {
          model: 'bgnbd',
          status: 'not_fitted',
          members: 2357,
          note: 'BG/NBD not fitted: 2357 members, fewer than forecast_min_members (3000), so no forecast',
        },
        {
          model: 'gamma_gamma',
          status: 'not_fitted',
          members: 946,
          note: 'Gamma-Gamma not fitted: 946 repeat buyers with a positive mean repeat value, fewer than forecast_min_members (3000), so no forecast',
        },
        {
          model: 'mbgnbd',
          status: 'not_fitted',
          members: 2357,
          note: 'MBG/NBD not fitted: 2357 members, fewer than forecast_min_members (3000), so no forecast',
        },
      ]);
      const [counts] = await rows<{ n: number; scored: number }>(
        warehouse,
        'select count(*) as n, count(p_alive) as scored from marts.member_forecast',
      );
      expect(counts).toEqual({ n: 2357, scored: 0 });
    });
  });

  it('keeps the last good parameters when a fit does not converge, says so in the run log, and fits the same data identically twice', async () => {
    await withWarehouse(async (warehouse) => {
      await loadFile(warehouse.db, cdnow.file, { ...repoSeeds, mapping: readMapping(cdnow.mapping) });
      // A first build that cannot converge has no earlier fit to keep.
      await build(warehouse, { ...calibration, forecast_max_iterations: '1' });
      expect(await bgnbdFit(warehouse)).toMatchObject({ r: null, status: 'not_fitted', converged: false });
      expect((await bgnbdFit(warehouse)).note).toMatch(
        /^BG\/NBD not fitted: the fit did not converge in 1 iterations \(.+\) and no earlier fit converged, so no forecast$/,
      );

      await build(warehouse, calibration);
      const good = await bgnbdFit(warehouse);
      expect(good).toMatchObject({ status: 'fitted', converged: true, note: null });
      const fitted = await rows<{ message: string }>(
        warehouse,
        "select message from ops.model_runs where model = 'intermediate.int_bgnbd_fit' order by run_id desc limit 1",
      );
      expect(fitted[0]?.message).toMatch(/^BG\/NBD fitted in [\d.]+ s \(\d+ iterations\); MBG\/NBD fitted in [\d.]+ s \(\d+ iterations\)$/);
      await build(warehouse, calibration);
      expect(params(await bgnbdFit(warehouse))).toEqual(params(good));

      const lines = await build(warehouse, { ...calibration, forecast_max_iterations: '1' });
      const kept = await bgnbdFit(warehouse);
      expect(kept).toMatchObject({ ...params(good), status: 'kept_last_good', converged: false });
      expect(kept.note).toMatch(/^BG\/NBD: the fit did not converge in 1 iterations \(.+\); kept the parameters of the last good fit$/);
      expect(lines).toContainEqual(
        expect.stringMatching(/^ {4}BG\/NBD: the fit did not converge .*; kept the parameters of the last good fit; [\d.]+ s$/),
      );
      const [logged] = await rows<{ message: string }>(
        warehouse,
        "select message from ops.model_runs where model = 'intermediate.int_bgnbd_fit' order by run_id desc limit 1",
      );
      expect(logged?.message.startsWith(`${kept.note}; `)).toBe(true);
      const [scored] = await rows<{ scored: number }>(warehouse, 'select count(p_alive) as scored from marts.member_forecast');
      expect(scored?.scored).toBe(2357);

      // Kept again by the next non-converging build: the kept parameters are still the last good ones.
      await build(warehouse, { ...calibration, forecast_max_iterations: '1' });
      expect(await bgnbdFit(warehouse)).toMatchObject({ ...params(good), status: 'kept_last_good' });
      // Parameters of another time unit are not kept: alpha would be in the wrong unit.
      await build(warehouse, { ...calibration, forecast_max_iterations: '1', forecast_period_days: '1' });
      expect(await bgnbdFit(warehouse)).toMatchObject({ r: null, status: 'not_fitted' });
    });
  });

  it('fits MBG/NBD on a generated shop whose purchase rates hardly vary, where r and α run off together', async () => {
    // Its likelihood rises towards r, α → ∞ with r/α fixed: one purchase rate for all.
    await withRefreshedShop({ members: 4000, days: 730, seed: 7 }, async (warehouse) => {
      const fits = await rows<{ model: string; status: string; converged: boolean }>(
        warehouse,
        'select model, status, converged from intermediate.int_bgnbd_fit order by model',
      );
      expect(fits).toEqual([
        { model: 'bgnbd', status: 'fitted', converged: true },
        { model: 'mbgnbd', status: 'fitted', converged: true },
      ]);
      const [oneTime] = await rows<{ members: number; below_one: number }>(
        warehouse,
        'select count(*) as members, count(*) filter (where p_alive < 1) as below_one from marts.member_forecast where x = 0',
      );
      expect(oneTime!.members).toBeGreaterThan(0);
      expect(oneTime!.below_one).toBe(oneTime!.members);
    });
  }, 120_000);
});
