import { describe, expect, it } from 'vitest';
import { days, order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';

/** A staging order with its own times: created, paid (or null) and purchased at payment. */
function timedOrder(id: string, member: string, created: string, paid: string | null, amount: number, extra: Record<string, unknown> = {}) {
  const status = (extra.status as string | undefined) ?? (paid ? 'completed' : 'created');
  const refund = (extra.refund_amount as number | undefined) ?? 0;
  return {
    order_id: id,
    member_id: member,
    created_at: created,
    paid_at: paid,
    purchased_at: paid ?? created,
    status,
    paid_amount: amount,
    refund_amount: refund,
    net_amount: amount - refund,
    is_purchase: ['paid', 'shipped', 'completed'].includes(status) && amount - refund > 0,
    ...extra,
  };
}

// 2026-05-01 is a Friday.
const paymentOrders = [
  timedOrder('o1', 'A', '2026-05-01 10:00:00', '2026-05-01 10:02:00', 100), // 2 minutes
  timedOrder('o2', 'B', '2026-05-02 21:00:00', '2026-05-02 21:10:00', 300), // 10 minutes
  timedOrder('o3', 'C', '2026-05-03 10:00:00', null, 70), // never paid
  timedOrder('o4', 'D', '2026-05-04 10:00:00', '2026-05-04 10:30:00', 50, { status: 'closed', refund_amount: 50 }), // 30 minutes, refunded
  timedOrder('o5', 'A', '2026-06-01 09:00:00', '2026-06-01 09:04:00', 1000), // 4 minutes
];
const asOf = { as_of_date: '2026-06-30' };

describe('payment (催付)', () => {
  it('rates paid against created orders by month, beside the 80.41% benchmark', async () => {
    const rows = await runModel('marts.payment_monthly', { 'staging.stg_orders': paymentOrders }, { parameters: asOf, orderBy: 'month' });
    expect(rows.map((row) => [row.month, row.created_orders, row.paid_orders, row.payment_rate, row.payment_rate_benchmark])).toEqual([
      ['2026-05-01', 4, 3, 0.75, 0.8041],
      ['2026-06-01', 1, 1, 1, 0.8041],
    ]);
  });

  it('measures the minutes to pay: P50 and P90 overall (the reminder delay), by hour and for the top decile of order value', async () => {
    const rows = await runModel(
      'marts.payment_delays',
      { 'staging.stg_orders': paymentOrders },
      { parameters: asOf, orderBy: 'dimension, segment_order' },
    );
    const delays = Object.fromEntries(
      rows.map((row) => [`${row.dimension}:${row.segment}`, [row.paid_orders, row.p50_minutes, row.p90_minutes]]),
    );
    // All: 2, 4, 10, 30 minutes. P50 = 7; P90 at 2.7 of 0..3 = 10 + 0.7 × 20 = 24.
    expect(delays['all:all']!.slice(0, 2)).toEqual([4, 7]);
    expect(delays['all:all']![2]).toBeCloseTo(24, 10);
    expect(delays['hour:10']![0]).toBe(2); // o1 (2) and o4 (30): P90 = 2 + 0.9 × 28
    expect(delays['hour:10']![2]).toBeCloseTo(27.2, 10);
    // Paid amounts 50, 100, 300, 1000: the top decile starts at 300 + 0.7 × 700 = 790, so only o5.
    expect(delays['order_size:top_decile']).toEqual([1, 4, 4]);
    expect(delays['order_size:others']![1]).toBe(10);
    expect(delays['order_size:others']![2]).toBeCloseTo(26, 10);
  });

  it('labels every dimension and segment in Chinese and English (seeds/code_labels.csv), an hour by itself', async () => {
    const rows = await runModel(
      'marts.payment_delays',
      { 'staging.stg_orders': paymentOrders },
      { parameters: asOf, orderBy: 'dimension, segment_order' },
    );
    expect(rows.map((row) => [row.dimension, row.segment, row.dimension_label, row.segment_label])).toEqual([
      ['all', 'all', '全部订单 all orders', '全部 all'],
      ['hour', '09', '下单时段 hour of creation', '09时 09:00'],
      ['hour', '10', '下单时段 hour of creation', '10时 10:00'],
      ['hour', '21', '下单时段 hour of creation', '21时 21:00'],
      ['order_size', 'top_decile', '订单金额 order size', '金额前10% top 10% by amount'],
      ['order_size', 'others', '订单金额 order size', '其余订单 the other orders'],
    ]);
  });
});

describe('when members buy', () => {
  it('counts purchases by weekday and hour of the purchase time, and marks the best hours', async () => {
    const timing = await runModel(
      'marts.purchase_timing',
      { 'staging.stg_orders': paymentOrders },
      { parameters: asOf, orderBy: 'weekday, hour' },
    );
    expect(timing.map((row) => [row.weekday, row.weekday_zh, row.hour, row.purchases, row.buyers])).toEqual([
      [1, '周一', 9, 1, 1], // o5, Monday 06-01 at 09:04
      [5, '周五', 10, 1, 1], // o1
      [6, '周六', 21, 1, 1], // o2; o4 was refunded in full and o3 never paid
    ]);
    const hours = await runModel(
      'marts.purchase_hours',
      { 'staging.stg_orders': paymentOrders },
      { parameters: { ...asOf, best_send_hours: '1' }, orderBy: 'hour' },
    );
    expect(hours.map((row) => [row.hour, row.share, row.purchase_rank, row.is_best])).toEqual([
      [9, 1 / 3, 1, true],
      [10, 1 / 3, 1, true],
      [21, 1 / 3, 1, true],
    ]);
  });
});

describe('new and returning buyers compared', () => {
  it('gives items per order, AOV and the refund rate of each type by month', async () => {
    const rows = await runModel(
      'marts.new_vs_returning_monthly',
      {
        'staging.stg_orders': [
          { ...order('A', '2026-04-10', 100), item_count: 2 },
          { ...order('A', '2026-05-05', 150), paid_amount: 200, refund_amount: 50, item_count: 3 }, // partly refunded
          { ...order('B', '2026-05-06', 80), item_count: 1 },
          { ...order('B', '2026-05-20', 0), paid_amount: 60, refund_amount: 60, is_purchase: false, item_count: 1 }, // refunded in full
        ],
      },
      { parameters: { as_of_date: '2026-05-31', min_rate_members: '1' }, orderBy: 'month, buyer_type' },
    );
    expect(rows.map((row) => [row.month, row.buyer_type, row.buyers, row.orders, row.items_per_order, row.aov, row.refund_rate])).toEqual([
      ['2026-04-01', 'new', 1, 1, 2, 100, 0],
      ['2026-05-01', 'new', 1, 1, 1, 80, 0.5],
      ['2026-05-01', 'returning', 1, 1, 3, 150, 1],
    ]);
  });

  it('leaves the averages and the refund rate of a type out where it has fewer than min_rate_members orders', async () => {
    const rows = await runModel(
      'marts.new_vs_returning_monthly',
      {
        'staging.stg_orders': [
          ...['A', 'B', 'C'].map((member) => ({ ...order(member, '2026-05-05', 100), item_count: 2 })),
          { ...order('A', '2026-06-05', 600), item_count: 4 },
          { ...order('D', '2026-06-06', 90), item_count: 1 },
          { ...order('E', '2026-06-07', 110), item_count: 1 },
          { ...order('F', '2026-06-08', 70), item_count: 1 },
          { ...order('F', '2026-06-09', 0), paid_amount: 50, refund_amount: 50, is_purchase: false, item_count: 1 },
        ],
      },
      { parameters: { as_of_date: '2026-06-30', min_rate_members: '3' }, orderBy: 'month, buyer_type' },
    );
    // May: 3 new orders (3 ≥ 3). June: A's one returning order (1 < 3: no figures, though counted);
    // D, E and F 3 new purchases (items 1, AOV (90 + 110 + 70) / 3), and with F's refunded order 4
    // paid orders, 1 refunded.
    expect(rows.map((row) => [row.month, row.buyer_type, row.buyers, row.orders, row.items_per_order, row.aov, row.refund_rate])).toEqual([
      ['2026-05-01', 'new', 3, 3, 2, 100, 0],
      ['2026-06-01', 'new', 3, 3, 1, 90, 1 / 4],
      ['2026-06-01', 'returning', 1, 1, null, null, null],
    ]);
  });
});

describe('promotion sensitivity (促销敏感度)', () => {
  const withCoupon = (row: Record<string, unknown>) => ({ ...row, coupon_code: 'CPN5' });

  it('bands repeat buyers only by their share of purchases with a coupon, and counts coupon-only buyers apart', async () => {
    const rows = await runModel(
      'marts.promotion_sensitivity',
      {
        'staging.stg_orders': [
          ...days('2026-05-01', 3).map((day) => withCoupon(order('A', day, 10))), // 3 of 3 with a coupon: coupon-only
          withCoupon(order('B', '2026-05-01', 10)), // one purchase: left out
          ...days('2026-05-01', 4).map((day, index) => (index === 0 ? withCoupon(order('C', day, 40)) : order('C', day, 20))), // 1 of 4
          order('D', '2026-05-01', 50),
          order('D', '2026-05-02', 70), // none of 2
          order('E', '2026-05-01', 10), // one purchase: left out
          withCoupon(order('F', '2026-05-03', 10)),
          withCoupon(order('F', '2026-05-03', 10)), // two purchases on one day: one occasion, left out
        ],
      },
      { parameters: { as_of_date: '2026-05-31' }, orderBy: 'segment_order' },
    );
    // Repeat buyers A (¥30 in 3), C (¥100 in 4) and D (¥120 in 2): ¥250.
    expect(rows.map((row) => [row.segment, row.buyers, row.buyer_share, row.revenue, row.revenue_share, row.aov])).toEqual([
      ['low', 1, 1 / 3, 120, 120 / 250, 60],
      ['medium', 1, 1 / 3, 100, 100 / 250, 25],
      ['high', 1, 1 / 3, 30, 30 / 250, 10],
      ['coupon_only', 1, 1 / 3, 30, 30 / 250, 10],
    ]);
    expect(rows.map((row) => row.segment_label)).toEqual([
      '低 low',
      '中 medium',
      '高 high',
      '只用券（低质量客户，亦计入高） coupon only (also counted under high)',
    ]);
  });

  // As of 2026-06-30, maturity 30 days: a first purchase on or before 05-31 is judged.
  const firstPurchases = [
    withCoupon(order('A', '2026-05-01', 10)),
    order('A', '2026-05-01', 20), // one occasion with A's coupon order: a first purchase with a coupon
    order('A', '2026-05-20', 30), // back in 19 days
    withCoupon(order('B', '2026-05-01', 10)),
    order('B', '2026-06-15', 10), // back after 45 days: too late
    order('C', '2026-04-01', 10),
    withCoupon(order('C', '2026-04-10', 10)), // a coupon on the second purchase only; back in 9 days
    order('D', '2026-05-10', 10), // never back
    withCoupon(order('E', '2026-06-20', 10)), // too recent to judge
    withCoupon(order('F', '2026-03-01', 10, 'closed')), // not a purchase
    order('F', '2026-03-05', 10), // F's first purchase, without a coupon; never back
  ];
  const byFirstPurchase = async (parameters: Record<string, string>) =>
    (
      await runModel(
        'marts.first_purchase_coupon',
        { 'staging.stg_orders': firstPurchases },
        { parameters: { as_of_date: '2026-06-30', maturity_days: '30', ...parameters }, orderBy: 'first_purchase_order' },
      )
    ).map((row) => [
      row.first_purchase,
      row.first_purchase_label,
      row.buyers,
      row.buyer_share,
      row.judged_buyers,
      row.second_purchasers,
      row.second_purchase_rate,
    ]);

  it('compares the second-purchase rate of buyers whose first purchase used a coupon with the others', async () => {
    expect(await byFirstPurchase({ min_rate_members: '1' })).toEqual([
      ['coupon', '首单用券 first purchase with a coupon', 3, 0.5, 2, 1, 0.5], // A, B, E; A and B judged, A back
      ['no_coupon', '首单未用券 first purchase without a coupon', 3, 0.5, 3, 1, 1 / 3], // C, D, F judged, C back
    ]);
  });

  it('leaves the rate empty, keeping the counts, where fewer than min_rate_members are judged (30 by default)', async () => {
    expect(await byFirstPurchase({ min_rate_members: '3' })).toEqual([
      ['coupon', '首单用券 first purchase with a coupon', 3, 0.5, 2, 1, null],
      ['no_coupon', '首单未用券 first purchase without a coupon', 3, 0.5, 3, 1, 1 / 3],
    ]);
    expect((await byFirstPurchase({})).map((row) => row.at(-1))).toEqual([null, null]);
  });
});

describe('refunds and coming back', () => {
  // As of 2026-06-30, maturity 30 days: occasions on or before 05-31 are judged.
  const refunds = (minRateMembers: string) =>
    runModel(
      'marts.refund_repurchase',
      {
        'staging.stg_orders': [
          { ...order('A', '2026-03-01', 70), paid_amount: 100, refund_amount: 30 }, // partly refunded, A back on 03-20
          order('A', '2026-03-20', 50), // not refunded, A never back
          { ...order('B', '2026-04-01', 40), paid_amount: 50, refund_amount: 10 }, // partly refunded, B back after 40 days
          order('B', '2026-05-11', 60), // not refunded, B back on 05-20
          order('B', '2026-05-20', 60), // not refunded, B back on 06-15 (26 days)
          order('B', '2026-06-15', 60), // too recent to judge
        ],
      },
      { parameters: { as_of_date: '2026-06-30', maturity_days: '30', min_rate_members: minRateMembers }, orderBy: 'previous_purchase' },
    );

  it('compares the repurchase rate after a partly refunded purchase with the rate after the others', async () => {
    const rows = await refunds('1');
    expect(rows.map((row) => [row.previous_purchase, row.occasions, row.repurchased, row.repurchase_rate])).toEqual([
      ['not_refunded', 3, 2, 2 / 3],
      ['partly_refunded', 2, 1, 0.5],
    ]);
  });

  it('leaves a rate over fewer than min_rate_members purchases empty', async () => {
    const rows = await refunds('3');
    expect(rows.map((row) => [row.previous_purchase, row.occasions, row.repurchased, row.repurchase_rate])).toEqual([
      ['not_refunded', 3, 2, 2 / 3],
      ['partly_refunded', 2, 1, null],
    ]);
  });
});
