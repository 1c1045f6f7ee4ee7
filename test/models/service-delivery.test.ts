import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';
import { hoursAfter, shipment } from '../helpers/service-fixtures.js';

// Every order is paid at 12:00 and shipped 24 h later; signed for `signedAfterHours` after that.
function delivered(paid: Record<string, unknown>, carrier: string | null, signedAfterHours: number | null, isException: boolean) {
  return shipment(paid, 24, {
    carrier,
    signed_at: signedAfterHours === null ? null : hoursAfter(paid.paid_at, 24 + signedAfterHours),
    is_exception: isException,
  });
}

// A and B live in 浙江省, C in 广东省; D's province is not known.
const a = order('A', '2025-11-02', 100);
const b = order('B', '2025-11-03', 100);
const c = order('C', '2025-11-04', 100);
const d = order('D', '2025-11-05', 100);
const members = [
  { member_id: 'A', joined_at: '2025-01-01 09:00:00', province: '浙江省' },
  { member_id: 'B', joined_at: '2025-01-01 09:00:00', province: '浙江省' },
  { member_id: 'C', joined_at: '2025-01-01 09:00:00', province: '广东省' },
  { member_id: 'D', joined_at: '2025-01-01 09:00:00' },
];

describe('delivery by province and carrier (marts.service_delivery)', () => {
  it('gives the shipment-to-signed P50 and P90, the signed orders and the abnormal-logistics rate of each', async () => {
    const rows = await runModel(
      'marts.service_delivery',
      {
        'staging.stg_orders': [a, b, c, d],
        'staging.stg_members': members,
        'staging.stg_shipments': [
          delivered(a, '顺丰', 48, false),
          delivered(b, '顺丰', 72, true),
          delivered(c, '中通', 24, false),
          delivered(d, null, null, true),
        ],
      },
      { parameters: { as_of_date: '2025-12-20', min_rate_members: '3' }, orderBy: 'dimension, segment_order' },
    );
    const columns = [
      'segment',
      'segment_label',
      'segment_order',
      'shipped_orders',
      'signed_orders',
      'p50_hours_to_sign',
      'p90_hours_to_sign',
    ];
    expect(
      rows.map((row) => [
        row.dimension,
        row.dimension_label,
        ...columns.map((column) => row[column]),
        row.exception_orders,
        row.exception_rate,
      ]),
    ).toEqual([
      // All 4: signed after 24, 48 and 72 h (D not yet): P50 48, P90 at 0.9 × 2 = 1.8: 48 + 0.8 × 24 = 67.2.
      // B and D flagged 异常物流: 2 of 4.
      ['all', '全部 all', 'all', '全部 all', 1, 4, 3, 48, 67.2, 2, 0.5],
      // 顺丰: A and B, 48 and 72 h: P50 60, P90 48 + 0.9 × 24 = 69.6; 2 orders are fewer than 3: no rate.
      ['carrier', '快递公司 carrier', '顺丰', '顺丰', 1, 2, 2, 60, 69.6, 1, null],
      ['carrier', '快递公司 carrier', '中通', '中通', 2, 1, 1, 24, 24, 0, null],
      ['carrier', '快递公司 carrier', 'unknown', '未知 unknown', 3, 1, 0, null, null, 1, null],
      ['province', '省份 province', '浙江省', '浙江省', 1, 2, 2, 60, 69.6, 1, null],
      ['province', '省份 province', '广东省', '广东省', 2, 1, 1, 24, 24, 0, null],
      ['province', '省份 province', 'unknown', '未知 unknown', 3, 1, 0, null, null, 1, null],
    ]);
  });
});
