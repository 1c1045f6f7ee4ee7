import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';
import { shipment as shipped } from '../helpers/service-fixtures.js';

// Every order is paid at 12:00. November 2025: 双11 runs 11-01..11-11 (seeds/promotion_windows.csv).
const a = order('A', '2025-11-02', 100);
const b = order('B', '2025-11-05', 100);
const c = order('C', '2025-11-10', 100);
const d = order('D', '2025-11-20', 100);
const e = order('E', '2025-11-25', 100);
// December: F in 双12 (12-01..12-12); G's shipment is dated before its payment; H has none; I is
// paid after the as-of date.
const f = order('F', '2025-12-03', 100);
const g = order('G', '2025-12-05', 100);
const h = order('H', '2025-12-06', 100);
const i = order('I', '2025-12-25', 100);
const parameters = { as_of_date: '2025-12-20', min_rate_members: '3' };

describe('shipping speed by month (marts.service_shipping_monthly)', () => {
  it('gives the payment-to-shipment P50 and P90, the share within 24 h and the promotion orders within 72 h', async () => {
    const rows = await runModel(
      'marts.service_shipping_monthly',
      {
        'staging.stg_orders': [a, b, c, d, e, f, g, h, i],
        'staging.stg_shipments': [
          shipped(a, 10),
          shipped(b, 30),
          shipped(c, 80),
          shipped(d, 20),
          shipped(e, 50),
          shipped(f, 5),
          shipped(g, -2),
          shipped(i, 1),
        ],
      },
      { parameters, orderBy: 'month' },
    );
    expect(rows).toEqual([
      {
        month: '2025-11-01',
        month_complete: true,
        shipped_orders: 5,
        // Hours 10, 20, 30, 50, 80: P50 30; P90 at position 0.9 × 4 = 3.6: 50 + 0.6 × 30 = 68.
        p50_hours_to_ship: 30,
        p90_hours_to_ship: 68,
        ship_within_hours: 24,
        // A (10 h) and D (20 h) of 5.
        within_norm_orders: 2,
        within_norm_share: 0.4,
        promotion_ship_within_hours: 72,
        // A, B and C were paid in 双11; A (10 h) and B (30 h) shipped within 72 h, C (80 h) did not.
        promotion_orders: 3,
        promotion_within_norm_orders: 2,
        promotion_within_norm_share: 2 / 3,
      },
      {
        // Only F counts: G shipped before it was paid, H did not ship, I is after the as-of date.
        month: '2025-12-01',
        month_complete: false,
        shipped_orders: 1,
        p50_hours_to_ship: 5,
        p90_hours_to_ship: 5,
        ship_within_hours: 24,
        within_norm_orders: 1,
        // 1 order is fewer than min_rate_members (3): no share.
        within_norm_share: null,
        promotion_ship_within_hours: 72,
        promotion_orders: 1,
        promotion_within_norm_orders: 1,
        promotion_within_norm_share: null,
      },
    ]);
  });
});
