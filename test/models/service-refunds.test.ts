import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';
import { hoursAfter, line } from '../helpers/service-fixtures.js';

function refund(
  id: string,
  paid: Record<string, unknown>,
  requestedOn: string,
  reasonCode: string,
  status: string,
  amount: number,
  hoursToFinish: number | null,
) {
  const requestedAt = `${requestedOn} 12:00:00`;
  return {
    refund_id: id,
    order_id: paid.order_id,
    requested_at: requestedAt,
    finished_at: hoursToFinish === null ? null : hoursAfter(requestedAt, hoursToFinish),
    amount,
    reason_code: reasonCode,
    status,
  };
}

// October: R1 (p1, p2), R2 (p1), R3 (p2); November: R4 (p1), R5 (p3).
const r1 = order('A', '2025-10-02', 100);
const r2 = order('B', '2025-10-03', 100);
const r3 = order('C', '2025-10-04', 100);
const r4 = order('D', '2025-11-05', 100);
const r5 = order('A', '2025-11-06', 100);
const given = {
  'staging.stg_orders': [r1, r2, r3, r4, r5],
  'staging.stg_order_items': [line(r1, 'p1'), line(r1, 'p2', 2), line(r2, 'p1'), line(r3, 'p2'), line(r4, 'p1'), line(r5, 'p3')],
  'staging.stg_refunds': [
    refund('f1', r1, '2025-10-05', 'quality', 'success', 50, 24),
    refund('f2', r1, '2025-10-06', 'size', 'closed', 30, 48),
    refund('f3', r2, '2025-10-10', 'quality', 'success', 80, 12),
    refund('f4', r4, '2025-11-10', 'no_reason', 'open', 100, null),
    // Requested after the as-of date: not counted.
    refund('f5', r5, '2025-12-25', 'size', 'success', 40, 1),
  ],
};

describe('refunds by reason, product and month (marts.service_refunds)', () => {
  it('gives each segment its refunds, refund rate, amount and median hours to finish', async () => {
    const rows = await runModel('marts.service_refunds', given, {
      parameters: { as_of_date: '2025-12-20', min_rate_members: '2' },
      orderBy: 'dimension, segment_order',
    });
    const columns = [
      'segment',
      'segment_label',
      'segment_order',
      'paid_orders',
      'refunds',
      'successful_refunds',
      'refunded_orders',
      'refund_rate',
      'refund_amount',
      'p50_hours_to_finish',
    ];
    expect(rows.map((row) => [row.dimension, row.dimension_label, ...columns.map((column) => row[column])])).toEqual([
      // f1 to f4 on 5 paid orders; f1 and f3 succeeded (¥130) on R1 and R2; f1, f2 and f3 finished in 24, 48 and 12 h.
      ['all', '全部 all', 'all', '全部 all', 0, 5, 4, 2, 2, 0.4, 130, 24],
      ['month', '月份 month', '2025-10', '2025-10', 1, 3, 3, 2, 2, 2 / 3, 130, 24],
      // f4 is still open: no refunded order, no finish.
      ['month', '月份 month', '2025-11', '2025-11', 2, 2, 1, 0, 0, 0, 0, null],
      // p1 is on R1, R2 and R4 (f1, f2, f3, f4); p2 on R1 and R3 (f1, f2: 24 and 48 h); p3 on R5
      // alone, fewer than 2 paid orders: no rate.
      ['product', '商品 product', 'p1', '商品 p1', 1, 3, 4, 2, 2, 2 / 3, 130, 24],
      ['product', '商品 product', 'p2', '商品 p2', 2, 2, 2, 1, 1, 0.5, 50, 36],
      ['product', '商品 product', 'p3', '商品 p3', 3, 1, 0, 0, 0, null, 0, null],
      // A reason's rate is over all 5 paid orders.
      ['reason', '退款原因 reason', 'quality', '质量问题 quality', 1, 5, 2, 2, 2, 0.4, 130, 18],
      ['reason', '退款原因 reason', 'size', '尺码不合适 size', 2, 5, 1, 0, 0, 0, 0, 48],
      ['reason', '退款原因 reason', 'no_reason', '七天无理由 no reason (7 days)', 3, 5, 1, 0, 0, 0, 0, null],
    ]);
  });
});
