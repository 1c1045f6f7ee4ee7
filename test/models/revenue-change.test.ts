import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';

// As of 2026-05-31 (May is the last complete month). Each order is one occasion (one day):
// A 2025-06-10 ¥50, April 04-05 and 04-20 ¥100 each, May 05-05 ¥150 · B April 04-06 and 04-21 ¥100
// each, May 05-06 ¥150 · C May 05-07 ¥150 · D May 05-08 ¥150.
// April: 2 buyers, 4 purchases, ¥400 (2 purchases per buyer, AOV ¥100), A returning (¥200), B new.
// May: 4 buyers, 4 purchases, ¥600 (1 purchase per buyer, AOV ¥150), A and B returning (¥300).
const april = [order('A', '2026-04-05', 100), order('A', '2026-04-20', 100), order('B', '2026-04-06', 100), order('B', '2026-04-21', 100)];
const may = [order('A', '2026-05-05', 150), order('B', '2026-05-06', 150), order('C', '2026-05-07', 150), order('D', '2026-05-08', 150)];
const parameters = { as_of_date: '2026-05-31' };

async function revenueChanges(orders: Array<Record<string, unknown>>) {
  return runModel('marts.revenue_change', { 'staging.stg_orders': orders }, { parameters, orderBy: 'month, comparison' });
}

// The last complete month's rows: the ones the Overview opens on.
async function revenueChange(orders: Array<Record<string, unknown>>) {
  return (await revenueChanges(orders)).filter((row) => row.latest);
}

function partsInCents(row: Record<string, unknown>): number {
  return [row.buyers_part, row.purchases_per_buyer_part, row.aov_part].reduce<number>(
    (sum, part) => sum + Math.round(Number(part) * 100),
    0,
  );
}

describe('the revenue change of the last complete month, and why', () => {
  it('splits May against April exactly into buyers, purchases per buyer and AOV (LMDI), and into new and returning buyers', async () => {
    const rows = await revenueChange([order('A', '2025-06-10', 50), ...april, ...may]);
    // The data starts in 2025-06: no May 2025, so no 同比 row.
    expect(rows.map((row) => row.comparison)).toEqual(['month_before']);
    const [row] = rows;
    expect(row).toMatchObject({
      month: '2026-05-01',
      base_month: '2026-04-01',
      buyers: 4,
      base_buyers: 2,
      buyers_change: 1,
      revenue: 600,
      base_revenue: 400,
      revenue_change_amount: 200,
      revenue_change: 0.5,
      // 月内复购率: A and B each bought on two days of April; nobody twice in May.
      repurchase_rate: 0,
      base_repurchase_rate: 1,
      repurchase_rate_change: -1,
      // Members first known in the month: B in April; C and D in May.
      new_members: 2,
      base_new_members: 1,
      new_members_change: 1,
      purchases_per_buyer: 1,
      base_purchases_per_buyer: 2,
      aov: 150,
      base_aov: 100,
      decomposition_gap: null,
      main_driver: 'buyers',
      // New buyers: B ¥200 in April, C and D ¥300 in May → +100; returning: A ¥200, A and B ¥300 → +100.
      new_buyers_part: 100,
      returning_buyers_part: 100,
    });
    // L(600, 400) = 200 / ln 1.5. Buyers ×2: 200 × ln 2 / ln 1.5 = 341.9023; purchases per buyer ×½:
    // −341.90; AOV ×1.5: 200 × ln 1.5 / ln 1.5 = 200. In cents: 34,190 − 34,190 + 20,000 = 20,000.
    expect(row).toMatchObject({ buyers_part: 341.9, purchases_per_buyer_part: -341.9, aov_part: 200 });
    expect(partsInCents(row!)).toBe(20_000);
    expect(row!.sentence).toBe(
      '销售额比上月多 ¥200，主要因为成交人数增加（+¥342）· Revenue rose ¥200 on the month before, mostly from more buyers (+¥342)',
    );
  });

  it('sets May against May a year before (同比) when the data holds it', async () => {
    // E bought once, ¥300, in May 2025: 1 buyer, 1 purchase, AOV ¥300.
    const rows = await revenueChange([order('E', '2025-05-20', 300), order('A', '2025-06-10', 50), ...april, ...may]);
    expect(rows.map((row) => row.comparison)).toEqual(['month_before', 'year_before']);
    const yearBefore = rows[1]!;
    expect(yearBefore).toMatchObject({
      base_month: '2025-05-01',
      base_buyers: 1,
      base_revenue: 300,
      revenue_change_amount: 300,
      main_driver: 'buyers',
    });
    // May 2025 is the data's first month: nobody is known before it, so its new members are NULL.
    expect(yearBefore.base_new_members).toBeNull();
    // L(600, 300) = 300 / ln 2. Buyers ×4: 300 × ln 4 / ln 2 = 600; purchases per buyer 1 → 1: 0;
    // AOV ×½: −300. Sum: 300 = 600 − 300.
    expect(yearBefore).toMatchObject({ buyers_part: 600, purchases_per_buyer_part: 0, aov_part: -300 });
    expect(partsInCents(yearBefore)).toBe(30_000);
    // New: E ¥300 → C and D ¥300, 0; returning: none → A and B ¥300, +300.
    expect(yearBefore).toMatchObject({ new_buyers_part: 0, returning_buyers_part: 300 });
    expect(yearBefore.sentence).toBe(
      '销售额比去年同月多 ¥300，主要因为成交人数增加（+¥600）· Revenue rose ¥300 on the same month a year before, mostly from more buyers (+¥600)',
    );
  });

  it('keeps the parts summing to the cent when rounding each loses one: the main driver takes it', async () => {
    // April: X ¥10 in one order. May: Y ¥40 and ¥50 on two days, Z ¥50: 2 buyers, 3 purchases, ¥140.
    const [row] = await revenueChange([
      order('X', '2026-04-10', 10),
      order('Y', '2026-05-03', 40),
      order('Y', '2026-05-04', 50),
      order('Z', '2026-05-05', 50),
    ]);
    // L(140, 10) = 130 / ln 14 = 49.2600. Buyers ×2: 49.2600 × ln 2 = 34.1444; purchases per buyer
    // ×1.5: 49.2600 × ln 1.5 = 19.9732; AOV ¥10 → ¥46.67, ×14/3: 49.2600 × ln(14/3) = 75.8823.
    // In cents 3,414 + 1,997 + 7,588 = 12,999: AOV, the largest, takes the missing cent.
    expect(row).toMatchObject({
      revenue_change_amount: 130,
      buyers_part: 34.14,
      purchases_per_buyer_part: 19.97,
      aov_part: 75.89,
      main_driver: 'aov',
    });
    expect(partsInCents(row!)).toBe(13_000);
    expect(row!.sentence).toBe(
      '销售额比上月多 ¥130，主要因为笔单价提高（+¥76）· Revenue rose ¥130 on the month before, mostly from a higher AOV (+¥76)',
    );
  });

  it('gives no split, and says why, against a month without buyers', async () => {
    // Nobody bought in April: a logarithm of 0 buyers has no value, so no part would be right.
    const [row] = await revenueChange([order('A', '2025-06-10', 50), ...may]);
    expect(row).toMatchObject({
      comparison: 'month_before',
      base_buyers: 0,
      base_revenue: 0,
      revenue_change_amount: 600,
      buyers_part: null,
      purchases_per_buyer_part: null,
      aov_part: null,
      main_driver: null,
      decomposition_gap: 'no_buyers',
      // A ¥150 returning; B, C and D ¥450 new.
      new_buyers_part: 450,
      returning_buyers_part: 150,
    });
    expect(row!.sentence).toBe(
      '销售额比上月多 ¥600（有一个月无成交，无法分解）· Revenue rose ¥600 on the month before (a month without buyers cannot be split)',
    );
  });

  it('gives no split against a month whose revenue was refunded to 0', async () => {
    // A bought once in April for ¥0 net: 1 buyer and 1 purchase, but an AOV of 0 has no logarithm.
    const [row] = await revenueChange([order('A', '2025-06-10', 50), order('A', '2026-04-05', 0), ...may]);
    expect(row).toMatchObject({ base_buyers: 1, base_revenue: 0, buyers_part: null, aov_part: null, decomposition_gap: 'no_revenue' });
  });

  it('compares every complete month with its own month before, for the month picker', async () => {
    const rows = await revenueChanges([order('A', '2025-06-10', 50), ...april, ...may]);
    // 2025-06 is the first month: July 2025 to May 2026 each have a 环比 row; no month has a 同比 row
    // (the data starts in 2025-06, and June 2026 is not complete).
    expect(rows.map((row) => [row.month, row.comparison, row.latest])).toEqual([
      ...['2025-07', '2025-08', '2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02', '2026-03', '2026-04'].map((month) => [
        `${month}-01`,
        'month_before',
        false,
      ]),
      ['2026-05-01', 'month_before', true],
    ]);
    // April against March: nobody bought in March, so no split; A (¥200) returning, B (¥200) new.
    const aprilRow = rows.find((row) => row.month === '2026-04-01');
    expect(aprilRow).toMatchObject({
      base_month: '2026-03-01',
      revenue: 400,
      base_revenue: 0,
      revenue_change_amount: 400,
      decomposition_gap: 'no_buyers',
      new_buyers_part: 200,
      returning_buyers_part: 200,
    });
    // July 2025 against June 2025: A's ¥50 is gone.
    expect(rows[0]).toMatchObject({ base_month: '2025-06-01', revenue: 0, base_revenue: 50, revenue_change_amount: -50 });
  });
});
