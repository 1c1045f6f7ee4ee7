import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';
import { shipment } from '../helpers/service-fixtures.js';

// As of 2025-12-31 with maturity_days 30: an experience of 2025-12-01 or before is judged, and a
// member came back when the next purchase occasion followed it within 30 days. Orders at 12:00.
// M1 06-01 then 06-20 (19 days) · M2 06-02 then 08-01 (60) · M3 06-03 then 06-10 (7) · M4 06-04 ·
// M5 two orders on 06-05 (one occasion) then 06-25 (20) · M6 12-15 (too recent) · M7 06-07.
const m1 = [order('M1', '2025-06-01', 100), order('M1', '2025-06-20', 100)];
const m2 = [order('M2', '2025-06-02', 100), order('M2', '2025-08-01', 100)];
const m3 = [order('M3', '2025-06-03', 100), order('M3', '2025-06-10', 100)];
const m4 = [order('M4', '2025-06-04', 100)];
const m5 = [order('M5', '2025-06-05', 100), order('M5', '2025-06-05', 100), order('M5', '2025-06-25', 100)];
const m6 = [order('M6', '2025-12-15', 100)];
const m7 = [order('M7', '2025-06-07', 100)];

function review(paid: Record<string, unknown>, productId: string, ratedOn: string, rating: string) {
  return { order_id: paid.order_id, product_id: productId, rated_at: `${ratedOn} 20:00:00`, rating, has_photo: false };
}

function refund(id: string, paid: Record<string, unknown>, requestedOn: string, reasonCode: string, status: string) {
  return { refund_id: id, order_id: paid.order_id, requested_at: `${requestedOn} 12:00:00`, amount: 50, reason_code: reasonCode, status };
}

const given = {
  'staging.stg_orders': [...m1, ...m2, ...m3, ...m4, ...m5, ...m6, ...m7],
  // First purchases shipped within 24 h: M1, M2, M6; later: M3, M4, and M5 (one of its two orders
  // took 30 h). M7's first purchase has no shipment: left out.
  'staging.stg_shipments': [
    shipment(m1[0]!, 10),
    shipment(m2[0]!, 5),
    shipment(m3[0]!, 30),
    shipment(m4[0]!, 40),
    shipment(m5[0]!, 2),
    shipment(m5[1]!, 30),
    shipment(m6[0]!, 1),
  ],
  'staging.stg_reviews': [
    review(m1[0]!, 'p1', '2025-06-05', 'good'),
    review(m2[0]!, 'p1', '2025-06-06', 'bad'),
    // M3's first bad review is of its second order, its first good review of its first.
    review(m3[1]!, 'p1', '2025-06-15', 'bad'),
    review(m3[0]!, 'p1', '2025-06-20', 'good'),
    review(m4[0]!, 'p1', '2025-06-08', 'bad'),
    review(m4[0]!, 'p2', '2025-06-08', 'neutral'),
    review(m6[0]!, 'p1', '2025-12-20', 'good'),
  ],
  'staging.stg_refunds': [
    refund('f1', m2[0]!, '2025-06-10', 'quality', 'success'),
    refund('f2', m4[0]!, '2025-06-08', 'quality', 'success'),
    // Closed without a refund: M3 counts as not refunded.
    refund('f3', m3[0]!, '2025-06-05', 'size', 'closed'),
    // M5's first successful refund is for size; its later one for quality does not count.
    refund('f4', m5[0]!, '2025-06-07', 'size', 'success'),
    refund('f5', m5[2]!, '2025-07-01', 'quality', 'success'),
  ],
};

describe('experience against repurchase (marts.service_experience_repurchase)', () => {
  it('gives each arm its members, those judged and come back, the rate with its Wilson interval, and — below the threshold', async () => {
    const rows = await runModel('marts.service_experience_repurchase', given, {
      parameters: { as_of_date: '2025-12-31', maturity_days: '30', min_rate_members: '2' },
      orderBy: 'experience_order, arm_order',
    });
    const columns = ['arm', 'arm_label', 'arm_order', 'members', 'judged_members', 'repurchased', 'repurchase_rate'];
    const rounded = (value: unknown) => (value === null ? null : Number(Number(value).toFixed(4)));
    expect(
      rows.map((row) => [
        row.experience,
        row.experience_label,
        ...columns.map((column) => row[column]),
        rounded(row.ci_low),
        rounded(row.ci_high),
      ]),
    ).toEqual([
      // M1 came back, M2 not; M6 too recent. Wilson 1 of 2: (1 + 1.9208 ∓ 1.96 √(0.5 + 0.9604)) / 5.8416.
      [
        'first_order_shipping',
        '首单发货 first-order shipping',
        'within_24h',
        '24小时内发货 shipped within 24 h',
        1,
        3,
        2,
        1,
        0.5,
        0.0945,
        0.9055,
      ],
      // M3 and M5 came back, M4 not. Wilson 2 of 3: (2 + 1.9208 ∓ 1.96 √(2/3 + 0.9604)) / 6.8416.
      ['first_order_shipping', '首单发货 first-order shipping', 'later', '超时发货 shipped later', 2, 3, 3, 2, 2 / 3, 0.2077, 0.9385],
      // M1 (19 days) and M3 (from its first order to its second, 7 days); M6 too recent. 2 of 2:
      // Wilson low (2 + 1.9208 − 1.96 × 0.98) / 5.8416.
      ['review_rating', '评价 review rating', 'good', '好评 good', 1, 3, 2, 2, 1, 0.3424, 1],
      ['review_rating', '评价 review rating', 'neutral', '中评 neutral', 2, 1, 1, 0, null, null, null],
      // M2 (60 days), M3 (no purchase after its second order) and M4: 0 of 3.
      ['review_rating', '评价 review rating', 'bad', '差评 bad', 3, 3, 3, 0, 0, 0, 0.5615],
      // M2 and M4 (first refunds for quality) did not come back: 0 of 2, Wilson high 2 × 1.9208 / 5.8416.
      ['refund_reason', '退款原因 refund reason', 'quality', '质量问题 quality', 1, 2, 2, 0, 0, 0, 0.6576],
      // M5 came back 20 days after the order it refunded; 1 member is fewer than 2: no rate.
      ['refund_reason', '退款原因 refund reason', 'size', '尺码不合适 size', 2, 1, 1, 1, null, null, null],
      // M1, M3, M6 and M7 from their first purchases: M1 and M3 came back, M7 not, M6 too recent.
      ['refund_reason', '退款原因 refund reason', 'no_refund', '未退款 no refund', 8, 4, 3, 2, 2 / 3, 0.2077, 0.9385],
    ]);
  });
});
