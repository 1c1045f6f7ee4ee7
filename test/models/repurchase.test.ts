import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';

// As of 2026-06-30 with maturity_days = 100: a first occasion on or before 2026-03-22 is matured.
// min_rate_members = 1: every conversion, however few members reached the step.
const parameters = { as_of_date: '2026-06-30', maturity_days: '100', ladder_steps: '3', min_rate_members: '1' };
const orders = [
  // A: 3 occasions; two orders on 2026-01-01 are one occasion. Gaps 30 and 120 days.
  order('A', '2026-01-01', 10),
  order('A', '2026-01-01', 20),
  order('A', '2026-01-31', 30),
  order('A', '2026-05-31', 40),
  // B: 2 occasions, 50 days apart, first matured.
  order('B', '2026-02-01', 100),
  order('B', '2026-03-23', 100),
  // C: 1 occasion, matured (exactly 100 days before the as-of date), never back.
  order('C', '2026-03-22', 60),
  // D: 1 occasion, too recent to judge.
  order('D', '2026-06-01', 40),
  // E: 4 occasions, 10 days apart, the first on 2026-06-01: nothing of it matured.
  order('E', '2026-06-01', 10),
  order('E', '2026-06-11', 10),
  order('E', '2026-06-21', 10),
  order('E', '2026-06-30', 10),
];

describe('marts.repurchase_ladder', () => {
  it('counts the naive ladder over all members, the last step as N+', async () => {
    const rows = await runModel(
      'marts.repurchase_ladder',
      { 'staging.stg_orders': orders },
      { parameters, orderBy: 'variant desc, step_n' },
    );
    const naive = rows.filter((row) => row.variant === 'naive');
    // Occasions: A 3, B 2, C 1, D 1, E 4. Step 3 is "3+": members with 3 or more (A, E); A has no 4th.
    expect(naive.map((row) => [row.step_label, row.reached_n, row.reached_next, row.conversion, row.median_days_to_next])).toEqual([
      ['1', 5, 3, 0.6, 30], // gaps 1→2: A 30, B 50, E 10
      ['2', 3, 2, 2 / 3, 65], // gaps 2→3: A 120, E 10
      ['3+', 2, 1, 0.5, 9], // gap 3→4: E 9
    ]);
    // Net revenue 100 + 200 + 60 + 40 + 40 = 440: members with 1 occasion bring 100, with 2 bring 200, with 3+ bring 140.
    expect(naive.map((row) => row.revenue_share_at_n)).toEqual([100 / 440, 200 / 440, 140 / 440]);
  });

  it('leaves members too recent to judge out of the matured ladder, and counts a next occasion only within maturity', async () => {
    const rows = await runModel('marts.repurchase_ladder', { 'staging.stg_orders': orders }, { parameters, orderBy: 'variant, step_n' });
    const matured = rows.filter((row) => row.variant === 'matured');
    // Step 1: A (01-01), B (02-01), C (03-22 = exactly 100 days) matured; A and B went on within 100 days.
    // Step 2: A's 2nd (01-31) matured; its 3rd came 120 days later: beyond maturity, so no.
    // Step 3: A's 3rd (05-31) is too recent.
    expect(matured.map((row) => [row.step_n, row.reached_n, row.reached_next, row.conversion, row.median_days_to_next])).toEqual([
      [1, 3, 2, 2 / 3, 40],
      [2, 1, 0, 0, null],
      [3, 0, 0, null, null],
    ]);
  });

  it('leaves a conversion empty where fewer than min_rate_members reached the step, and keeps the counts', async () => {
    const rows = await runModel(
      'marts.repurchase_ladder',
      { 'staging.stg_orders': orders },
      { parameters: { ...parameters, min_rate_members: '3' }, orderBy: 'variant desc, step_n' },
    );
    // Reached: naive 5, 3 (exactly 3: shown), 2; matured 3, 1, 0.
    expect(rows.map((row) => [row.variant, row.step_n, row.reached_n, row.reached_next, row.conversion])).toEqual([
      ['naive', 1, 5, 3, 0.6],
      ['naive', 2, 3, 2, 2 / 3],
      ['naive', 3, 2, 1, null],
      ['matured', 1, 3, 2, 2 / 3],
      ['matured', 2, 1, 0, null],
      ['matured', 3, 0, 0, null],
    ]);
  });
});

describe('marts.cohort_retention', () => {
  it('follows first-purchase cohorts month by month, with offsets past the as-of month absent', async () => {
    const rows = await runModel(
      'marts.cohort_retention',
      {
        'staging.stg_orders': [
          order('A', '2026-04-05', 100),
          order('A', '2026-04-20', 50),
          order('A', '2026-06-10', 30),
          order('B', '2026-04-10', 80),
          order('B', '2026-05-02', 20),
          order('C', '2026-05-15', 70),
          order('C', '2026-05-15', 10), // one occasion on one day
        ],
      },
      { parameters: { as_of_date: '2026-06-15' }, orderBy: 'cohort_month, month_offset' },
    );
    expect(
      rows.map((row) => [row.cohort_month, row.month_offset, row.cohort_size, row.active_members, row.repurchased_members, row.revenue]),
    ).toEqual([
      ['2026-04-01', 0, 2, 2, 1, 230], // A's 2nd occasion on 04-20
      ['2026-04-01', 1, 2, 1, 2, 20], // B's 2nd on 05-02
      ['2026-04-01', 2, 2, 1, 2, 30], // June, up to the as-of date
      ['2026-05-01', 0, 1, 1, 0, 80],
      ['2026-05-01', 1, 1, 0, 0, 0],
    ]);
    expect(rows[0]).toMatchObject({ active_share: 1, cumulative_repurchase_share: 0.5, revenue_per_member: 115 });
    // June ends after the as-of date (06-15): its cells are partial; April and May have ended.
    expect(rows.map((row) => [row.activity_month, row.is_complete])).toEqual([
      ['2026-04-01', true],
      ['2026-05-01', true],
      ['2026-06-01', false],
      ['2026-05-01', true],
      ['2026-06-01', false],
    ]);
  });

  it('counts a month ending on the as-of date as complete', async () => {
    const rows = await runModel(
      'marts.cohort_retention',
      { 'staging.stg_orders': [order('A', '2026-04-05', 100), order('A', '2026-05-31', 50)] },
      { parameters: { as_of_date: '2026-05-31' }, orderBy: 'cohort_month, month_offset' },
    );
    expect(rows.map((row) => [row.month_offset, row.is_complete, row.active_members])).toEqual([
      [0, true, 1],
      [1, true, 1],
    ]);
  });
});

describe('marts.product_repurchase_cycle', () => {
  it('measures the median days between purchases of the same product, and of the same category', async () => {
    const item = (orderId: string, productId: string, category: string) => ({
      order_id: orderId,
      line_number: 1,
      product_id: productId,
      product_name: productId,
      category,
      quantity: 1,
      amount: 10,
    });
    const given = [
      order('A', '2026-01-01', 10),
      order('A', '2026-01-31', 10),
      order('A', '2026-03-02', 10),
      order('B', '2026-01-10', 10),
      order('B', '2026-01-20', 10),
    ];
    const items = [
      item(given[0]!.order_id as string, 'TEE', 'tops'),
      item(given[1]!.order_id as string, 'TEE', 'tops'),
      item(given[2]!.order_id as string, 'TEE', 'tops'),
      item(given[3]!.order_id as string, 'TEE', 'tops'),
      item(given[4]!.order_id as string, 'SHIRT', 'tops'),
    ];
    const rows = await runModel(
      'marts.product_repurchase_cycle',
      { 'staging.stg_orders': given, 'staging.stg_order_items': items },
      { parameters: { min_rate_members: '2' }, orderBy: 'level, item_key' },
    );
    // The bought-again share needs min_rate_members = 2 buyers: SHIRT's 1 buyer shows none.
    expect(
      rows.map((row) => [row.level, row.item_key, row.buyers, row.repeat_buyers, row.repeat_buyer_share, row.median_cycle_days]),
    ).toEqual([
      ['category', 'tops', 2, 2, 1, 30], // A: 30, 30; B: 10 (TEE then SHIRT) → median of 30, 30, 10
      ['product', 'SHIRT', 1, 0, null, null],
      ['product', 'TEE', 2, 1, 0.5, 30], // A: 30, 30
    ]);
  });
});

describe('marts.kpi_monthly', () => {
  it('counts buyers, new and returning, AOV (笔单价) and revenue per buyer (客单价), repurchase and second-purchase rates', async () => {
    const rows = await runModel(
      'marts.kpi_monthly',
      {
        'staging.stg_orders': [
          order('A', '2026-04-05', 100),
          order('A', '2026-04-05', 50),
          order('A', '2026-04-20', 30), // 2 occasions, 3 orders in April
          order('B', '2026-04-10', 80),
          order('A', '2026-05-02', 40),
          order('C', '2026-05-03', 60),
          order('C', '2026-05-04', 0, 'closed'),
        ],
        'staging.stg_members': [{ member_id: 'P', joined_at: '2026-03-01 09:00:00' }],
      },
      { parameters: { as_of_date: '2026-05-31', maturity_days: '30' }, orderBy: 'month' },
    );
    expect(
      rows.map((row) => [row.month, row.buyers, row.new_buyers, row.returning_buyers, row.revenue, row.purchases, row.members_total]),
    ).toEqual([
      ['2026-04-01', 2, 2, 0, 260, 4, 3], // P (joined in March), A, B known by April's end
      ['2026-05-01', 2, 1, 1, 100, 2, 4],
    ]);
    const [april, may] = rows;
    expect([april!.aov, april!.revenue_per_buyer, april!.repurchase_rate]).toEqual([65, 130, 0.5]);
    expect([may!.returning_buyer_share, may!.returning_revenue_share]).toEqual([0.5, 0.4]);
    // April's new buyers are 30+ days old by 05-31: A came back within 30 days (04-20), B did not.
    expect([april!.matured_new_buyers, april!.second_purchasers, april!.second_purchase_rate]).toEqual([2, 1, 0.5]);
    expect(may!.second_purchase_rate).toBeNull(); // C's first purchase is too recent
    expect([april!.month_complete, may!.month_complete]).toEqual([true, true]);
  });
});
