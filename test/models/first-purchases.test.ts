import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';

// As of 2026-06-30, purchase_grain = day.
const orders = [
  // A: two orders on 2026-01-31 are one occasion, the first with a coupon; then 2026-03-01 and 2026-04-01.
  { ...order('A', '2026-01-31', 10), coupon_code: 'NEW10' },
  order('A', '2026-01-31', 20),
  order('A', '2026-03-01', 30),
  order('A', '2026-04-01', 40),
  // B: its second order comes after the as-of date, so it has no second purchase yet.
  order('B', '2026-02-10', 50),
  order('B', '2026-07-01', 50),
  // C: a cancelled order is no purchase; its first purchase is the next one.
  order('C', '2026-01-05', 70, 'cancelled'),
  order('C', '2026-02-01', 70),
  // D: a cancelled order only: no buyer, no row.
  order('D', '2026-01-05', 70, 'cancelled'),
];

describe('intermediate.int_member_first_purchases', () => {
  it("gives each buyer's first and second purchase occasions up to the as-of date, the first's month and coupon", async () => {
    const rows = await runModel(
      'intermediate.int_member_first_purchases',
      { 'staging.stg_orders': orders },
      { parameters: { as_of_date: '2026-06-30' }, orderBy: 'member_id' },
    );
    expect(rows).toEqual([
      { member_id: 'A', first_date: '2026-01-31', first_month: '2026-01-01', first_used_coupon: true, second_date: '2026-03-01' },
      { member_id: 'B', first_date: '2026-02-10', first_month: '2026-02-01', first_used_coupon: false, second_date: null },
      { member_id: 'C', first_date: '2026-02-01', first_month: '2026-02-01', first_used_coupon: false, second_date: null },
    ]);
  });
});
