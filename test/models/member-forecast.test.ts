import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { type Rows, runModel } from '../helpers/run-model.js';

describe('intermediate.int_member_repeat_history', () => {
  it('gives x, t_x and T in days and periods, T up to the as-of date not counted, and the mean value of repeat occasions', async () => {
    const rows = await runModel(
      'intermediate.int_member_repeat_history',
      {
        'staging.stg_orders': [
          order('A', '2026-06-02', 100),
          order('A', '2026-06-09', 30),
          order('A', '2026-06-09', 20), // same day: one occasion of 50
          order('A', '2026-06-16', 70),
          order('A', '2026-07-01', 999), // after the as-of date
          order('B', '2026-06-29', 40),
        ],
      },
      { parameters: { as_of_date: '2026-06-30', forecast_period_days: '7' }, orderBy: 'member_id' },
    );
    expect(rows.map((row) => [row.member_id, row.x, row.t_x_days, row.t_cal_days, row.t_x, row.t_cal, row.mean_repeat_value])).toEqual([
      ['A', 2, 14, 28, 2, 4, 60], // repeat occasions 50 and 70
      ['B', 0, 0, 1, 0, 1 / 7, null],
    ]);
  });
});

// Two members' holdout under two fits of r = 1, α = 1, a = 1, b = 2, each model's own.
const holdoutFit = { r: 1, alpha: 1, a: 1, b: 2, period_days: 7, status: 'fitted', log_likelihood: -3 };
const holdout: Record<string, Rows> = {
  'intermediate.int_bgnbd_holdout_history': [
    { member_id: 'P', x: 1, t_x: 1, t_cal: 3, holdout_occasions: 2 },
    { member_id: 'Q', x: 0, t_x: 0, t_cal: 3, holdout_occasions: 0 },
  ],
  'intermediate.int_bgnbd_holdout_fit': [
    { model: 'bgnbd', ...holdoutFit },
    { model: 'mbgnbd', ...holdoutFit },
  ],
  'intermediate.int_bgnbd_holdout_expected_occasions': ['bgnbd', 'mbgnbd'].flatMap((model) =>
    [0, 1].map((x) => ({ model, x, t_cal: 3, horizon_days: 14, expected_occasions_if_alive: x + 1 })),
  ),
};

describe('the holdout comparison of BG/NBD and MBG/NBD', () => {
  it('takes x, t_x and T as of the as-of date − forecast_holdout_days, and counts the occasions after it', async () => {
    const rows = await runModel(
      'intermediate.int_bgnbd_holdout_history',
      {
        'staging.stg_orders': [
          order('A', '2026-06-02', 100),
          order('A', '2026-06-09', 30),
          order('A', '2026-06-25', 20), // in the 14 holdout days
          order('B', '2026-06-29', 40), // first bought after the calibration end: left out
          order('C', '2026-05-01', 10),
        ],
      },
      { parameters: { as_of_date: '2026-06-30', forecast_period_days: '7', forecast_holdout_days: '14' }, orderBy: 'member_id' },
    );
    // Calibration end 2026-06-16: A has x = 1, t_x = 7 days, T = 14 days; C x = 0, T = 46 days.
    expect(rows.map((row) => [row.member_id, row.x, row.t_x, row.t_cal, row.holdout_occasions])).toEqual([
      ['A', 1, 1, 2, 1],
      ['C', 0, 0, 46 / 7, 0],
    ]);
  });

  it('averages |actual − P(alive) × expected if alive| per member and picks the lower error for expected purchases', async () => {
    // Both fits r = 1, α = 1, a = 1, b = 2; alive members expect 1 (x = 0) or 2 (x = 1) holdout occasions.
    // P (x = 1, t_x = 1, T = 3, 2 holdout occasions): BG/NBD P(alive) 1/3, MBG/NBD 3/7;
    // Q (x = 0, T = 3, none): BG/NBD 1, MBG/NBD 1 / (1 + 1/2 × 4) = 1/3.
    // BG/NBD: (|2 − 2/3| + |0 − 1|) / 2 = 7/6; MBG/NBD: (|2 − 6/7| + |0 − 1/3|) / 2 = 31/42.
    const rows = await runModel('intermediate.int_bgnbd_holdout_compared', holdout, { orderBy: 'model' });
    expect(rows).toEqual([
      {
        model: 'bgnbd',
        holdout_fit_log_likelihood: -3,
        holdout_fit_status: 'fitted',
        holdout_members: 2,
        holdout_actual_occasions: 2,
        holdout_expected_occasions: expect.closeTo(5 / 3, 8),
        holdout_mae: expect.closeTo(7 / 6, 8),
        used_for_expected_purchases: false,
        used_for_p_alive: false,
      },
      {
        model: 'mbgnbd',
        holdout_fit_log_likelihood: -3,
        holdout_fit_status: 'fitted',
        holdout_members: 2,
        holdout_actual_occasions: 2,
        holdout_expected_occasions: expect.closeTo(25 / 21, 8),
        holdout_mae: expect.closeTo(31 / 42, 8),
        used_for_expected_purchases: true,
        used_for_p_alive: true,
      },
    ]);
  });

  it('leaves both uses to BG/NBD when MBG/NBD could not be fitted to the whole history, though it won the holdout', async () => {
    // The holdout of the test above (MBG/NBD's error 31/42 against 7/6), but MBG/NBD's fit to the
    // whole history has no parameters: P(alive) (p_alive_model = mbgnbd) and the expected purchases
    // fall to BG/NBD rather than to nothing.
    const rows = await runModel(
      'intermediate.int_bgnbd_holdout_compared',
      {
        ...holdout,
        'intermediate.int_bgnbd_fit': [
          { model: 'bgnbd', ...holdoutFit },
          { model: 'mbgnbd', period_days: 7, status: 'not_fitted', note: 'MBG/NBD not fitted: the fit did not converge' },
        ],
      },
      { orderBy: 'model' },
    );
    expect(rows.map((row) => [row.model, row.holdout_mae, row.used_for_expected_purchases, row.used_for_p_alive])).toEqual([
      ['bgnbd', expect.closeTo(7 / 6, 8), true, true],
      ['mbgnbd', expect.closeTo(31 / 42, 8), false, false],
    ]);
  });
});

// A fit with a = 1, b = 2, r = 1, α = 1 and a Gamma-Gamma fit p = 2, q = 3, γ = 10, by hand:
// member B (x = 1, t_x = 1, T = 3): P(alive) = 1 / (1 + 1/(2 + 1 − 1) × ((1 + 3)/(1 + 1))^(1 + 1)) = 1/3;
// expected value (γ + x m) p / (p x + q − 1) = (10 + 40) × 2 / 4 = 25.
// members A, A2, A3, A4 (x = 0, T = 3): P(alive) = 1; expected value p γ / (q − 1) = 10.
// The same parameters as MBG/NBD, P(alive) = 1 / (1 + a/(b + x) × ((α + T)/(α + t_x))^(r + x)):
// A (x = 0, t_x = 0): 1 / (1 + 1/2 × (4/1)^1) = 1/3; B: 1 / (1 + 1/3 × (4/2)^2) = 3/7.
const history: Rows = [
  { member_id: 'B', x: 1, t_x: 1, t_cal: 3, mean_repeat_value: 40 },
  ...['A', 'A2', 'A3', 'A4'].map((member_id) => ({ member_id, x: 0, t_x: 0, t_cal: 3, mean_repeat_value: null })),
];
const bgnbdFit = { model: 'bgnbd', r: 1, alpha: 1, a: 1, b: 2, period_days: 7, status: 'fitted' };
const mbgnbdFit = { ...bgnbdFit, model: 'mbgnbd' };
const gammaGammaFit = { model: 'gamma_gamma', p: 2, q: 3, gamma: 10, status: 'fitted' };
// If alive, x = 0 expects 1 occasion a month (3 in 90 days), x = 1 two a month (6 in 90 days).
const monthEnds = [30, 61, 91, 122, 152, 183, 213, 243, 274, 304, 335, 365];
// (The same for both models, so that only P(alive) tells them apart.)
const expectedIfAlive: Rows = ['bgnbd', 'mbgnbd'].flatMap((model) =>
  [0, 1].flatMap((x) => [
    { model, x, t_cal: 3, horizon_days: 90, expected_occasions_if_alive: 3 * (x + 1) },
    ...monthEnds.map((horizon_days, index) => ({ model, x, t_cal: 3, horizon_days, expected_occasions_if_alive: (index + 1) * (x + 1) })),
  ]),
);

const forecast = (given: Record<string, Rows> = {}, parameters: Record<string, string> = { p_alive_model: 'bgnbd' }) =>
  runModel(
    'marts.member_forecast',
    {
      'intermediate.int_member_repeat_history': history,
      'intermediate.int_bgnbd_fit': [bgnbdFit, mbgnbdFit],
      'intermediate.int_gamma_gamma_fit': [gammaGammaFit],
      'intermediate.int_bgnbd_expected_occasions': expectedIfAlive,
      ...given,
    },
    { parameters: { annual_discount_rate: '0.1', gross_margin: '0.5', ...parameters }, orderBy: 'member_id' },
  );

describe('marts.member_forecast', () => {
  it('discounts each month at (1 + 10%)^(−m/12), weighs by P(alive), value and margin, and ranks CLV deciles with ties sharing one', async () => {
    const rows = await forecast();
    // Σ_{m=1..12} 1.1^(−m/12) = 11.40049. A: 1 × 1 a month × 10 × 0.5 × 11.40049 = 57.00;
    // B: 1/3 × 2 a month × 25 × 0.5 × 11.40049 = 95.00. Deciles over n = 5: B rank 1 → 1;
    // the four A's share rank 2 → 1 + ⌊10 × 1 / 5⌋ = 3.
    expect(
      rows.map((row) => [
        row.member_id,
        row.p_alive,
        row.expected_occasions_90d,
        row.expected_occasions_365d,
        row.expected_occasion_value,
        row.clv_12m,
        row.clv_decile,
        row.note,
      ]),
    ).toEqual([
      ['A', 1, 3, 12, 10, 57, 3, null],
      ['A2', 1, 3, 12, 10, 57, 3, null],
      ['A3', 1, 3, 12, 10, 57, 3, null],
      ['A4', 1, 3, 12, 10, 57, 3, null],
      ['B', 1 / 3, 2, 8, 25, 95, 1, null],
    ]);
  });

  it('shows the MBG/NBD P(alive) by default, below 1 for a one-time buyer, and keeps BG/NBD expected purchases when the holdout has no winner', async () => {
    const rows = await forecast({}, {});
    expect(rows.map((row) => [row.member_id, row.p_alive, row.expected_occasions_365d, row.clv_12m])).toEqual([
      ['A', 1 / 3, 12, 57],
      ['A2', 1 / 3, 12, 57],
      ['A3', 1 / 3, 12, 57],
      ['A4', 1 / 3, 12, 57],
      ['B', expect.closeTo(3 / 7, 12), 8, 95],
    ]);
    expect(new Set(rows.map((row) => row.p_alive_model))).toEqual(new Set(['mbgnbd']));
  });

  it("takes the expected purchases and CLV from the model that won the holdout, with that model's P(alive)", async () => {
    const holdout = [
      { model: 'bgnbd', holdout_members: 5, holdout_mae: 0.5, used_for_expected_purchases: false, used_for_p_alive: false },
      { model: 'mbgnbd', holdout_members: 5, holdout_mae: 0.4, used_for_expected_purchases: true, used_for_p_alive: true },
    ];
    const rows = await forecast({ 'intermediate.int_bgnbd_holdout_compared': holdout }, {});
    // A: 1/3 × 12 = 4 in 365 days, CLV 1/3 × 10 × 0.5 × 11.40049 = 19.00; B: 3/7 × 24 = 72/7,
    // CLV 3/7 × 2 × 25 × 0.5 × 11.40049 = 122.15.
    expect(rows.map((row) => [row.member_id, row.p_alive, row.expected_occasions_365d, row.clv_12m])).toEqual([
      ['A', 1 / 3, 4, 19],
      ['A2', 1 / 3, 4, 19],
      ['A3', 1 / 3, 4, 19],
      ['A4', 1 / 3, 4, 19],
      ['B', expect.closeTo(3 / 7, 12), expect.closeTo(72 / 7, 12), 122.15],
    ]);
  });

  it('keeps the occasion forecast without a value model, with the note', async () => {
    const note =
      'Gamma-Gamma not fitted: 1 repeat buyers with a positive mean repeat value, fewer than forecast_min_members (500), so no forecast';
    const rows = await forecast({ 'intermediate.int_gamma_gamma_fit': [{ model: 'gamma_gamma', status: 'not_fitted', note }] });
    expect(rows.find((row) => row.member_id === 'B')).toMatchObject({
      p_alive: 1 / 3,
      expected_occasions_365d: 8,
      expected_occasion_value: null,
      clv_12m: null,
      clv_decile: null,
      note,
    });
  });
});

// Members and their stage, level and segment for the summaries.
const facts: Rows = [
  { member_id: 'A', lifecycle_stage: 'churned', member_level: 'regular' },
  { member_id: 'B', lifecycle_stage: 'churned', member_level: 'regular' },
  { member_id: 'C', lifecycle_stage: 'active', member_level: 'vip' },
  { member_id: 'D', lifecycle_stage: 'churned', member_level: 'regular' },
];
// P(alive) by BG/NBD, under which A's (no repeat occasion) is 1 by construction.
const forecasts: Rows = [
  { member_id: 'A', x: 0, p_alive: 1, p_alive_model: 'bgnbd', expected_occasions_365d: 0.5, clv_12m: 10 },
  { member_id: 'B', x: 2, p_alive: 0.2, p_alive_model: 'bgnbd', expected_occasions_365d: 0.25, clv_12m: 5 },
  { member_id: 'C', x: 5, p_alive: 0.8, p_alive_model: 'bgnbd', expected_occasions_365d: 4, clv_12m: 85 },
  { member_id: 'D', x: 1, p_alive: 0.19999, p_alive_model: 'bgnbd', expected_occasions_365d: 0.25, clv_12m: 0 },
];
// The same by MBG/NBD, under which A, who bought once long ago, may have left.
const forecastsMbgnbd: Rows = forecasts.map((row) =>
  row.member_id === 'A' ? { ...row, p_alive: 0.3, p_alive_model: 'mbgnbd' } : { ...row, p_alive_model: 'mbgnbd' },
);

describe('marts.forecast_p_alive_bands', () => {
  it('bands the repeat buyers of each stage by P(alive), lower bounds inclusive, and leaves out one-time buyers', async () => {
    const rows = await runModel(
      'marts.forecast_p_alive_bands',
      { 'marts.member_forecast': forecasts, 'marts.member_facts': facts },
      { orderBy: 'stage_order, band_order' },
    );
    const counted = rows.filter((row) => Number(row.members) > 0).map((row) => [row.lifecycle_stage, row.band, row.members, row.share]);
    // A (x = 0, P(alive) 1) is not counted; B at 0.2 is in 20–40%, D just below it in <20%.
    expect(counted).toEqual([
      ['active', '≥80%', 1, 1],
      ['churned', '<20%', 1, 0.5],
      ['churned', '20–40%', 1, 0.5],
    ]);
    expect(rows).toHaveLength(7 * 5);
  });

  it('counts one-time buyers too when P(alive) is MBG/NBD, under which theirs says something', async () => {
    const rows = await runModel(
      'marts.forecast_p_alive_bands',
      { 'marts.member_forecast': forecastsMbgnbd, 'marts.member_facts': facts },
      { orderBy: 'stage_order, band_order' },
    );
    const counted = rows.filter((row) => Number(row.members) > 0).map((row) => [row.lifecycle_stage, row.band, row.members, row.share]);
    // A at 0.3 joins B in 20–40%: two of churned's three.
    expect(counted).toEqual([
      ['active', '≥80%', 1, 1],
      ['churned', '<20%', 1, 1 / 3],
      ['churned', '20–40%', 2, 2 / 3],
    ]);
  });
});

describe('marts.member_forecast_summary', () => {
  it('sums the forecast by stage, RFM segment (unscored members as not_scored) and level, every group listed', async () => {
    const rows = await runModel(
      'marts.member_forecast_summary',
      {
        'marts.member_forecast': forecasts,
        'marts.member_facts': facts,
        'marts.member_rfm': [{ member_id: 'C', segment: 'champions' }],
      },
      { orderBy: 'dimension, group_order' },
    );
    const pick = (dimension: string, key: string) => rows.find((row) => row.dimension === dimension && row.group_key === key);
    expect(pick('lifecycle_stage', 'churned')).toMatchObject({
      buyers: 3,
      one_time_buyers: 1,
      // Under BG/NBD A's P(alive) of 1 says nothing, so the mean is the repeat buyers'.
      avg_p_alive: expect.closeTo((0.2 + 0.19999) / 2, 12),
      avg_p_alive_repeat_buyers: expect.closeTo((0.2 + 0.19999) / 2, 12),
      expected_occasions_365d: 1,
      clv_12m: 15,
      clv_12m_per_buyer: 5,
      clv_share: 15 / 100,
    });
    expect(pick('rfm_segment', 'not_scored')).toMatchObject({
      group_zh: '未评分',
      group_label: '未评分 not scored',
      group_order: 9,
      buyers: 3,
      clv_12m: 15,
    });
    expect(pick('rfm_segment', 'champions')).toMatchObject({
      group_label: '重要价值客户 champions',
      buyers: 1,
      clv_12m: 85,
      clv_share: 0.85,
    });
    expect(pick('member_level', 'vip')).toMatchObject({ group_zh: 'VIP会员', buyers: 1, clv_12m_per_buyer: 85 });
    expect(pick('lifecycle_stage', 'prospect')).toMatchObject({ buyers: 0, clv_12m: null });
    expect(rows).toHaveLength(7 + 9 + 4);
  });

  it("averages every buyer's P(alive) when it is MBG/NBD's", async () => {
    const rows = await runModel(
      'marts.member_forecast_summary',
      { 'marts.member_forecast': forecastsMbgnbd, 'marts.member_facts': facts, 'marts.member_rfm': [] },
      { orderBy: 'dimension, group_order' },
    );
    expect(rows.find((row) => row.dimension === 'lifecycle_stage' && row.group_key === 'churned')).toMatchObject({
      avg_p_alive: expect.closeTo((0.3 + 0.2 + 0.19999) / 3, 12),
      avg_p_alive_repeat_buyers: expect.closeTo((0.2 + 0.19999) / 2, 12),
    });
  });
});
