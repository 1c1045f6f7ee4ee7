import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';

// As of 2026-05-31, purchase occasions by member (day grain):
// A 2025-06-10, 2026-04-05 · B 2025-05-01, 2026-04-20 · C 2026-05-03 · D 2026-04-10 (two orders), 2026-04-25 · E 2026-04-15
const orders = [
  order('A', '2025-06-10', 100),
  order('A', '2026-04-05', 200),
  order('B', '2025-05-01', 50),
  order('B', '2026-04-20', 50),
  order('C', '2026-05-03', 80),
  order('D', '2026-04-10', 30),
  order('D', '2026-04-10', 30),
  order('D', '2026-04-25', 40),
  order('E', '2026-04-15', 20),
];
const parameters = { as_of_date: '2026-05-31', maturity_days: '30' };

describe('the repurchase rate (复购率)', () => {
  it('of a month is the share of members with an occasion in the 365 days to its end who had two or more', async () => {
    const rows = await runModel('marts.kpi_monthly', { 'staging.stg_orders': orders }, { parameters, orderBy: 'month' });
    const byMonth = Object.fromEntries(rows.map((row) => [row.month, row]));
    // March: window 2025-04-01..2026-03-31: A 1, B 1, each second occasion still to come → 0/2.
    expect(byMonth['2026-03-01']!.repurchase_rate_12m).toBe(0);
    // April: window 2025-05-01..2026-04-30: A 2, B 2, D 2, E 1 → 3/4.
    expect(byMonth['2026-04-01']!.repurchase_rate_12m).toBe(0.75);
    // May: window 2025-06-01..2026-05-31: A 2, B 1 (2025-05-01 fell out), C 1, D 2, E 1 → 2/5.
    expect(byMonth['2026-05-01']!.repurchase_rate_12m).toBe(0.4);
    // The within-month rate (月内复购率) stays: A, B, D and E bought in April, D on two days.
    expect(byMonth['2026-04-01']!.repurchase_rate).toBe(0.25);
  });

  it('headlines the overview all time: repeat buyers, revenue per buyer (人均贡献) and the second-purchase rate', async () => {
    const [overview] = await runModel('marts.kpi_overview', { 'staging.stg_orders': orders }, { parameters });
    expect(overview).toMatchObject({
      as_of_date: '2026-05-31',
      buyers: 5,
      repeat_buyers: 3, // A, B, D
      repeat_buyer_share: 0.6,
      revenue: 600,
      revenue_per_buyer: 120,
      // Old enough to judge (first occasion by 05-01): A, B, D, E; only D came back within 30 days.
      matured_new_buyers: 4,
      second_purchasers: 1,
      second_purchase_rate: 0.25,
      repurchase_rate_12m: 0.4,
    });
  });
});

describe('the month comparison (环比)', () => {
  it('sets each complete month against the complete month before: ratios for amounts, points for rates', async () => {
    const rows = await runModel('marts.kpi_month_compared', { 'staging.stg_orders': orders }, { parameters, orderBy: 'month' });
    // 2025-05 (B's first order) is the first month: June 2025 to May 2026 have a row, May the latest.
    expect(rows.map((row) => [row.month, row.latest])).toEqual([
      ...['2025-06', '2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04'].map(
        (month) => [`${month}-01`, false],
      ),
      ['2026-05-01', true],
    ]);
    // June 2025 against May 2025: A ¥100 against B ¥50.
    expect(rows[0]).toMatchObject({ previous_month: '2025-05-01', buyers: 1, revenue: 100, buyers_change: 0, revenue_change: 1 });
    // May (complete as of 05-31): C alone, new, ¥80 in one order. April: A ¥200 and B ¥50 (both
    // returning), D ¥100 in three orders on two days and E ¥20 (both new): 4 buyers, ¥370, 6 orders.
    const may = rows.at(-1);
    expect(may).toMatchObject({ month: '2026-05-01', previous_month: '2026-04-01', buyers: 1, revenue: 80 });
    expect(may!.buyers_change).toBeCloseTo(1 / 4 - 1, 12);
    expect(may!.revenue_change).toBeCloseTo(80 / 370 - 1, 12);
    expect(may!.revenue_per_buyer_change).toBeCloseTo(80 / (370 / 4) - 1, 2);
    expect(may!.aov_change).toBeCloseTo(80 / (370 / 6) - 1, 2);
    // D bought on two days of April's four buyers; nobody twice in May.
    expect(may!.repurchase_rate_change).toBeCloseTo(0 - 1 / 4, 12);
    expect(may!.returning_buyer_share_change).toBeCloseTo(0 - 2 / 4, 12);
    expect(may!.returning_revenue_share_change).toBeCloseTo(0 - 250 / 370, 4);
  });

  it('has no row while fewer than two months are complete', async () => {
    const rows = await runModel(
      'marts.kpi_month_compared',
      { 'staging.stg_orders': orders },
      { parameters: { ...parameters, as_of_date: '2025-06-15' } },
    );
    expect(rows).toEqual([]);
  });
});

describe('the split charts of the Overview', () => {
  it('split each complete month: revenue of new and returning buyers, buyers beside new buyers', async () => {
    const rows = await runModel(
      'marts.kpi_monthly_parts',
      { 'staging.stg_orders': orders },
      { parameters, orderBy: 'month, measure desc, part_order' },
    );
    // April: A (¥200) and B (¥50) returning, first bought in 2025; D (three orders, ¥100) and E
    // (¥20) new. May: C new, ¥80.
    expect(
      rows.filter((row) => String(row.month) >= '2026-04-01').map((row) => [row.month, row.part_label, Number(row.revenue ?? row.buyers)]),
    ).toEqual([
      ['2026-04-01', '新客 new', 120],
      ['2026-04-01', '老客 returning', 250],
      ['2026-04-01', '新客 new buyers', 2],
      ['2026-04-01', '全部成交 all buyers', 4],
      ['2026-05-01', '新客 new', 80],
      ['2026-05-01', '老客 returning', 0],
      ['2026-05-01', '新客 new buyers', 1],
      ['2026-05-01', '全部成交 all buyers', 1],
    ]);
  });
});
