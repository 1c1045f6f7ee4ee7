import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BgnbdVariant } from '../../pipelines/forecast/bgnbd.js';
import { readMapping } from '../../pipelines/load/input-mapping.js';
import { loadFile } from '../../pipelines/load/load-file.js';
import { withRun } from '../../pipelines/run/run-log.js';
import { buildWarehouse } from '../../pipelines/transform/build-warehouse.js';
import { openWarehouse, type Warehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { bgnbdConditionalExpected, bgnbdPAlive } from '../helpers/bgnbd-reference.js';
import { cdnowCustomers, published } from '../helpers/cdnow-summary.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { repoDir } from '../helpers/temp-project.js';
import { tempConfig } from '../helpers/temp-warehouse.js';
import { testRun } from '../helpers/test-run.js';

// The validation of the forecasts: the CDNOW sample through the warehouse as any shop's orders,
// calibrated up to 1997-09-30 with time in weeks, against the published fits (sources:
// docs/forecasts.md) and the BTYD walkthrough's 39-week holdout table.
const config = tempConfig();
let warehouse: Warehouse;

interface MemberRow {
  sample_id: number;
  x: number;
  t_x: number;
  t_cal: number;
  mean_repeat_value: number | null;
  p_alive: number;
  expected_occasions_90d: number;
  expected_occasions_365d: number;
  expected_occasion_value: number;
  clv_12m: number;
  clv_decile: number;
  holdout_occasions: number;
}
let members: MemberRow[];
interface BgnbdFitRow {
  model: BgnbdVariant;
  r: number;
  alpha: number;
  a: number;
  b: number;
  log_likelihood: number;
  members: number;
  status: string;
}
let bgnbd: BgnbdFitRow;
let mbgnbd: BgnbdFitRow;
let holdoutErrors: Array<{
  model: BgnbdVariant;
  holdout_members: number;
  holdout_mae: number;
  used_for_expected_purchases: boolean;
  used_for_p_alive: boolean;
}>;
let gammaGamma: { p: number; q: number; gamma: number; log_likelihood: number; members: number; status: string };

async function rows<T>(text: string): Promise<T[]> {
  return (await sql.raw<T>(text).execute(warehouse.db)).rows;
}

const close = (value: number, expected: number, relative: number) =>
  expect(Math.abs(value - expected)).toBeLessThanOrEqual(relative * Math.abs(expected));

beforeAll(async () => {
  warehouse = await openWarehouse(config);
  const { db } = warehouse;
  await loadFile(db, join(repoDir, 'test/fixtures/cdnow/CDNOW_sample.txt'), { ...repoSeeds, mapping: readMapping('cdnow_sample') });
  await withRun(db, 'build', async (runId) =>
    // A transaction log: its $0.00 lines are transactions too, as in the published figures.
    buildWarehouse(
      db,
      await testRun(config, runId, { parameters: { as_of_date: '1997-09-30', forecast_period_days: '7', zero_value_purchases: 'true' } }),
    ),
  );
  const fits = await rows<BgnbdFitRow>('select * from intermediate.int_bgnbd_fit order by model');
  bgnbd = fits.find((fit) => fit.model === 'bgnbd')!;
  mbgnbd = fits.find((fit) => fit.model === 'mbgnbd')!;
  holdoutErrors = await rows<(typeof holdoutErrors)[number]>('select * from intermediate.int_bgnbd_holdout_compared order by model');
  gammaGamma = (await rows<typeof gammaGamma>('select * from intermediate.int_gamma_gamma_fit'))[0]!;
  // The sample id (column 2 of the file) is the customer number of BTYD, lifetimes and Hardie.
  const sampleIds = new Map(cdnowCustomers().map((customer) => [customer.masterId, customer.id]));
  const scored = await rows<MemberRow & { buyer_id: string }>(`
    select contacts.buyer_id, forecast.*,
      (select count(*) from intermediate.int_purchase_occasions_numbered as occasions
       where occasions.member_id = forecast.member_id and occasions.occasion_date between date '1997-10-01' and date '1998-06-30') as holdout_occasions
    from marts.member_forecast as forecast
    inner join staging.stg_member_contacts as contacts on contacts.member_id = forecast.member_id`);
  members = scored
    .map((row) => ({ ...row, sample_id: sampleIds.get(row.buyer_id)! }))
    .sort((first, second) => first.sample_id - second.sample_id);
}, 120_000);

afterAll(async () => {
  await warehouse?.close();
});

describe('forecasts on the CDNOW sample (calibration to 1997-09-30, weeks)', () => {
  it('fits the published BG/NBD parameters (r 0.243, α 4.414, a 0.793, b 2.426) and log-likelihood (−9582.4) within 1%', () => {
    expect(bgnbd).toMatchObject({ status: 'fitted', members: 2357 });
    for (const key of ['r', 'alpha', 'a', 'b'] as const) close(bgnbd[key], published.bgnbd[key], 0.01);
    close(bgnbd.log_likelihood, published.bgnbdLogLikelihood, 0.01);
  });

  it("fits lifetimes' published MBG/NBD parameters (r 0.5248, α 6.1831, a 0.8914, b 1.6140) and log-likelihood (−9582.14) within 1%", () => {
    expect(mbgnbd).toMatchObject({ model: 'mbgnbd', status: 'fitted', members: 2357 });
    for (const key of ['r', 'alpha', 'a', 'b'] as const) close(mbgnbd[key], published.mbgnbd[key], 0.01);
    close(mbgnbd.log_likelihood, published.mbgnbdLogLikelihood, 0.01);
  });

  it('compares both models on the last 182 days and uses the one with the lower mean absolute error for expected purchases', () => {
    // Every sample customer first bought in January–March 1997, before the calibration end 1997-04-01.
    expect(holdoutErrors.map((row) => [row.model, row.holdout_members, row.used_for_p_alive])).toEqual([
      ['bgnbd', 2357, false],
      ['mbgnbd', 2357, true],
    ]);
    const [bg, mbg] = holdoutErrors;
    expect(bg!.holdout_mae).toBeGreaterThan(0);
    expect(mbg!.used_for_expected_purchases).toBe(mbg!.holdout_mae < bg!.holdout_mae);
    expect(bg!.used_for_expected_purchases).toBe(!mbg!.used_for_expected_purchases);
  });

  it('fits the published Gamma-Gamma parameters (p 6.25, q 3.74, γ 15.44) within 1% on the 946 repeat buyers', () => {
    expect(gammaGamma).toMatchObject({ status: 'fitted', members: 946 });
    for (const key of ['p', 'q', 'gamma'] as const) close(gammaGamma[key], published.gammaGamma[key], 0.01);
    close(gammaGamma.log_likelihood, published.gammaGammaLogLikelihood, 1e-6);
  });

  it("gives customers 1 to 10 the expected occasion values of Hardie's spreadsheet, and customer 1516 BTYD's P(alive)", () => {
    expect(members.slice(0, 10).map((member) => member.expected_occasion_value)).toEqual(published.expectedValueOfCustomers1To10);
    const customer1516 = members.find((member) => member.sample_id === 1516)!;
    expect(customer1516.x).toBe(26);
    close(customer1516.t_cal, 31, 1e-12);
    expect(Math.abs(bgnbdPAlive(bgnbd, 26, customer1516.t_x, 31) - 0.9688523)).toBeLessThan(1e-4);
  });

  it('gives the 1,411 one-time buyers an MBG/NBD P(alive) below 1', () => {
    const oneTime = members.filter((member) => member.x === 0);
    expect(oneTime).toHaveLength(1411);
    expect(Math.max(...oneTime.map((member) => member.p_alive))).toBeLessThan(1);
  });

  it('projects every member as the MBG/NBD (P(alive)), the chosen model (occasions) and Gamma-Gamma formulas do: P(alive), 90 and 365 days, value and discounted CLV', () => {
    expect(members).toHaveLength(2357);
    const used = holdoutErrors.find((row) => row.used_for_expected_purchases)!.model;
    const usedFit = used === 'mbgnbd' ? mbgnbd : bgnbd;
    const expected = (t: number, x: number, tx: number, T: number) => bgnbdConditionalExpected(usedFit, t, x, tx, T, used);
    for (const member of members) {
      const { x, t_x, t_cal } = member;
      close(member.p_alive, bgnbdPAlive(mbgnbd, x, t_x, t_cal, 'mbgnbd'), 1e-12);
      close(member.expected_occasions_90d, expected(90 / 7, x, t_x, t_cal), 1e-10);
      close(member.expected_occasions_365d, expected(365 / 7, x, t_x, t_cal), 1e-10);
      const { p, q, gamma } = gammaGamma;
      const value = ((gamma + x * (member.mean_repeat_value ?? 0)) * p) / (p * x + q - 1);
      expect(Math.abs(member.expected_occasion_value - value)).toBeLessThanOrEqual(0.005);
      // Month m ends round(365 m / 12) days ahead; its occasions are discounted at 10% a year.
      let clv = 0;
      for (let month = 1; month <= 12; month++) {
        const inMonth = (end: number) => expected(Math.round((365 * end) / 12) / 7, x, t_x, t_cal);
        clv += (inMonth(month) - (month > 1 ? inMonth(month - 1) : 0)) * 1.1 ** (-month / 12) * value * 0.5;
      }
      expect(Math.abs(member.clv_12m - clv)).toBeLessThanOrEqual(0.005);
    }
    const byDecile = new Map<number, number>();
    for (const member of members) byDecile.set(member.clv_decile, (byDecile.get(member.clv_decile) ?? 0) + 1);
    expect([...byDecile.keys()].sort((first, second) => first - second)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const top = members.filter((member) => member.clv_decile === 1).map((member) => member.clv_12m);
    const rest = members.filter((member) => member.clv_decile !== 1).map((member) => member.clv_12m);
    expect(Math.min(...top)).toBeGreaterThan(Math.max(...rest));
  });

  it('under-forecasts the 39-week holdout as published: 1,882 actual occasions against about 1,653 expected', () => {
    const bins = Array.from({ length: 8 }, () => ({ customers: 0, actual: 0, expected: 0, expectedPublished: 0 }));
    for (const member of members) {
      const bin = bins[Math.min(member.x, 7)]!;
      bin.customers += 1;
      bin.actual += member.holdout_occasions;
      bin.expected += bgnbdConditionalExpected(bgnbd, 39, member.x, member.t_x, member.t_cal);
      bin.expectedPublished += bgnbdConditionalExpected(published.bgnbd, 39, member.x, member.t_x, member.t_cal);
    }
    const table = published.holdoutTable;
    expect(bins.map((bin) => bin.customers)).toEqual(table.customers);
    for (const [index, bin] of bins.entries()) {
      close(bin.actual / bin.customers, table.actualMean[index]!, 1e-6);
      close(bin.expected / bin.customers, table.expectedMean[index]!, 1e-3);
    }
    expect(bins.reduce((sum, bin) => sum + bin.actual, 0)).toBe(1882);
    close(
      bins.reduce((sum, bin) => sum + bin.expectedPublished, 0),
      1653,
      0.01,
    );
  });
});
