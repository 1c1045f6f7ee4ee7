import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';

// A's order was placed at 23:00 on 2026-11-20 and paid at 00:30 the next day; B's was placed at
// 23:30 on 2026-11-20 and never paid. Shop time throughout.
const orders = [
  {
    ...order('A', '2026-11-20', 100),
    created_at: '2026-11-20 23:00:00',
    paid_at: '2026-11-21 00:30:00',
    purchased_at: '2026-11-21 00:30:00',
  },
  { ...order('B', '2026-11-20', 50, 'created'), created_at: '2026-11-20 23:30:00', purchased_at: '2026-11-20 23:30:00' },
];
const runs = [{ run_id: 7, started_at: '2026-11-21 02:00:00' }];

describe('marts.data_freshness', () => {
  it('is fresh up to the newest order placed, paid or not, not the newest payment', async () => {
    const rows = await runModel('marts.data_freshness', { 'staging.stg_orders': orders, 'ops.runs': runs });
    // The as-of date is the day of the newest purchase (A's payment); freshness is B's order.
    expect(rows).toEqual([
      {
        as_of_date: '2026-11-21',
        refreshed_at: new Date('2026-11-21T02:00:00Z'),
        run_id: 7,
        newest_order_at: new Date('2026-11-20T23:30:00Z'),
      },
    ]);
  });

  it('has no newest order without orders', async () => {
    const rows = await runModel('marts.data_freshness', { 'staging.stg_orders': [], 'ops.runs': runs });
    expect(rows.map((row) => row.newest_order_at)).toEqual([null]);
  });
});
