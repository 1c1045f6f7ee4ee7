import { describe, expect, it } from 'vitest';
import { runModel } from '../helpers/run-model.js';

const purchase = (orderId: string, memberId: string, at: string, amount: number, couponCode: string | null = null) => ({
  order_id: orderId,
  member_id: memberId,
  created_at: at,
  paid_at: at,
  purchased_at: at,
  status: 'completed',
  is_purchase: true,
  paid_amount: amount,
  refund_amount: 0,
  net_amount: amount,
  coupon_code: couponCode,
});

const given = {
  'staging.stg_campaigns': [
    {
      campaign_id: 'K1',
      name: '短信召回',
      channel: 'sms',
      sent_at: '2026-06-01 10:00:00',
      cost_per_contact: 0.05,
      coupon_value: 10,
      attribution_days: 7,
    },
    {
      campaign_id: 'K2',
      name: '邮件新品',
      channel: 'edm',
      sent_at: '2026-06-10 09:00:00',
      cost_per_contact: 0,
      coupon_value: 0,
      attribution_days: 7,
    },
  ],
  'staging.stg_campaign_contacts': [
    { campaign_id: 'K1', member_id: 'T1', contacted_at: '2026-06-01 10:00:00', arm: 'treatment', delivered: true },
    { campaign_id: 'K1', member_id: 'T2', contacted_at: '2026-06-01 10:00:00', arm: 'treatment', delivered: true },
    { campaign_id: 'K1', member_id: 'T3', contacted_at: '2026-06-01 10:00:00', arm: 'treatment', delivered: false },
    { campaign_id: 'K1', member_id: 'T4', contacted_at: '2026-06-01 10:00:00', arm: 'treatment', delivered: true },
    { campaign_id: 'K1', member_id: 'C1', contacted_at: '2026-06-01 10:00:00', arm: 'control', delivered: false },
    { campaign_id: 'K1', member_id: 'C2', contacted_at: '2026-06-01 10:00:00', arm: 'control', delivered: false },
    // K2 has no control group; C1, held out of K1, is treated here.
    { campaign_id: 'K2', member_id: 'T1', contacted_at: '2026-06-10 09:00:00', arm: 'treatment', delivered: true },
    { campaign_id: 'K2', member_id: 'C1', contacted_at: '2026-06-10 09:00:00', arm: 'treatment', delivered: true },
  ],
  'staging.stg_orders': [
    purchase('a', 'T1', '2026-06-08 10:00:00', 100, 'CPN10'), // exactly at the window's end: counts
    purchase('b', 'T2', '2026-06-01 10:00:00', 80), // exactly at contact: not after it
    purchase('c', 'T2', '2026-06-08 10:00:01', 80), // one second past the window
    purchase('d', 'T3', '2026-06-03 15:00:00', 50), // not delivered, still treatment (intention to treat)
    purchase('e', 'C1', '2026-06-02 11:00:00', 40),
    purchase('f', 'T1', '2026-06-12 20:00:00', 30), // in K2's window, not K1's
    purchase('g', 'T4', '2026-06-30 12:00:00', 5), // the as-of date's purchase, outside both windows
  ],
};

describe('marts.campaign_roi', () => {
  it('measures response, lift with its interval, revenue, cost and both ROIs', async () => {
    const rows = await runModel('marts.campaign_roi', given, { parameters: { as_of_date: '2026-06-30' }, orderBy: 'campaign_id' });
    const k1 = rows[0]!;
    expect([k1.treatment_size, k1.control_size, k1.responders_t, k1.responders_c]).toEqual([4, 2, 2, 1]);
    expect([k1.response_rate_t, k1.response_rate_c, k1.lift]).toEqual([0.5, 0.5, 0]);
    const margin = 1.96 * Math.sqrt(0.25 / 4 + 0.25 / 2);
    expect(k1.lift_ci_low).toBeCloseTo(-margin, 12);
    expect(k1.lift_ci_high).toBeCloseTo(margin, 12);
    // Revenue: treatment responders ¥100 + ¥50; per member 150 / 4 = 37.5 against control 40 / 2 = 20.
    expect([k1.attributed_revenue, k1.revenue_per_member_t, k1.revenue_per_member_c, k1.incremental_revenue]).toEqual([150, 37.5, 20, 70]);
    // Cost: 3 delivered x ¥0.05 + 1 redeemed coupon x ¥10.
    expect([k1.delivered_contacts, k1.redeemed_coupons, k1.cost]).toEqual([3, 1, 10.15]);
    expect(k1.naive_roi).toBeCloseTo(150 / 10.15, 12);
    expect(k1.incremental_roi).toBeCloseTo((70 * 0.5 - 10.15) / 10.15, 12);
    expect(k1.window_complete).toBe(true);
  });

  it('leaves incremental figures NULL without a control group, and ROIs NULL at zero cost', async () => {
    const rows = await runModel('marts.campaign_roi', given, { parameters: { as_of_date: '2026-06-30' }, orderBy: 'campaign_id' });
    const k2 = rows[1]!;
    expect([k2.treatment_size, k2.control_size, k2.responders_t, k2.response_rate_t, k2.attributed_revenue]).toEqual([2, 0, 1, 0.5, 30]);
    expect([k2.response_rate_c, k2.lift, k2.lift_ci_low, k2.lift_ci_high, k2.incremental_revenue]).toEqual([null, null, null, null, null]);
    expect([k2.cost, k2.naive_roi, k2.incremental_roi]).toEqual([0, null, null]);
  });

  it('follows the gross margin parameter', async () => {
    const rows = await runModel('marts.campaign_roi', given, {
      parameters: { as_of_date: '2026-06-30', gross_margin: '0.3' },
      orderBy: 'campaign_id',
    });
    expect(rows[0]!.incremental_roi).toBeCloseTo((70 * 0.3 - 10.15) / 10.15, 12);
  });
});

describe('marts.campaign_roi_by_segment', () => {
  it('compares the arms within the lifecycle stage and RFM segment members had at sending time', async () => {
    const rows = await runModel('marts.campaign_roi_by_segment', given, {
      parameters: { as_of_date: '2026-06-30' },
      orderBy: 'campaign_id, dimension, segment',
    });
    // K1 (06-01 10:00): nobody had bought before it (T2's order at exactly 10:00 is not before), so all
    // are prospects and unscored. K2 (06-10 09:00): shop cycle = median of T1's 4 and T2's 7 days = 5.5;
    // T1 bought 2 days before (new), C1 8 days before (silent). RFM means at sending: R 4.75 days,
    // F 1.25, M ¥87.5, so T1 (2, 1, ¥100) is important_to_develop and C1 (8, 1, ¥40) lost_low_value.
    expect(
      rows.map((row) => [
        row.campaign_id,
        row.dimension,
        row.segment,
        row.segment_zh,
        row.treatment_size,
        row.control_size,
        row.responders_t,
        row.responders_c,
      ]),
    ).toEqual([
      ['K1', 'lifecycle_stage', 'prospect', '潜客', 4, 2, 2, 1],
      ['K1', 'rfm_segment', 'unscored', '未评分', 4, 2, 2, 1],
      ['K2', 'lifecycle_stage', 'new', '新客', 1, 0, 1, 0],
      ['K2', 'lifecycle_stage', 'silent', '沉默', 1, 0, 0, 0],
      ['K2', 'rfm_segment', 'important_to_develop', '重要发展客户', 1, 0, 1, 0],
      ['K2', 'rfm_segment', 'lost_low_value', '一般挽留客户', 1, 0, 0, 0],
    ]);
    expect(rows[0]).toMatchObject({ lift: 0, response_rate_t: 0.5, incremental_revenue: 70 });
  });
});
