import { describe, expect, it } from 'vitest';
import { runModel } from '../helpers/run-model.js';

// Hand-built orders; the as-of date defaults to the latest purchase day, 2026-06-30.
const orders = [
  // m1: two orders on 2026-01-01 are one occasion; a closed order is no purchase.
  {
    order_id: 'o1',
    member_id: 'm1',
    created_at: '2026-01-01 10:00:00',
    purchased_at: '2026-01-01 10:00:00',
    status: 'completed',
    is_purchase: true,
    net_amount: 100,
    city: '杭州市',
    province: '浙江省',
  },
  {
    order_id: 'o2',
    member_id: 'm1',
    created_at: '2026-01-01 18:00:00',
    purchased_at: '2026-01-01 18:00:00',
    status: 'completed',
    is_purchase: true,
    net_amount: 50,
  },
  {
    order_id: 'o3',
    member_id: 'm1',
    created_at: '2026-03-02 09:00:00',
    purchased_at: '2026-03-02 09:00:00',
    status: 'paid',
    is_purchase: true,
    net_amount: 200,
  },
  {
    order_id: 'o4',
    member_id: 'm1',
    created_at: '2026-03-05 09:00:00',
    purchased_at: '2026-03-05 09:00:00',
    status: 'closed',
    is_purchase: false,
    net_amount: 999,
  },
  // m2: exactly ¥1,000 of completed orders reaches senior.
  {
    order_id: 'o5',
    member_id: 'm2',
    created_at: '2026-06-30 12:00:00',
    purchased_at: '2026-06-30 12:00:00',
    status: 'completed',
    is_purchase: true,
    net_amount: 1000,
  },
  // m3: exactly 5 completed orders reach senior; every 10 days.
  ...['2026-01-10', '2026-01-20', '2026-01-30', '2026-02-09', '2026-02-19'].map((day, index) => ({
    order_id: `o3${index}`,
    member_id: 'm3',
    created_at: `${day} 08:00:00`,
    purchased_at: `${day} 08:00:00`,
    status: 'completed',
    is_purchase: true,
    net_amount: 10,
  })),
  // m4: an unpaid order only: a prospect.
  {
    order_id: 'o9',
    member_id: 'm4',
    created_at: '2026-05-01 08:00:00',
    purchased_at: '2026-05-01 08:00:00',
    status: 'created',
    is_purchase: false,
    net_amount: 80,
  },
];

const facts = (parameters: Record<string, string> = {}) =>
  runModel('marts.member_facts', { 'staging.stg_orders': orders, 'staging.stg_members': [] }, { parameters, orderBy: 'member_id' });

describe('marts.member_facts', () => {
  it('counts occasions, purchases and net revenue, and assigns levels at their exact thresholds', async () => {
    const rows = await facts();
    expect(
      rows.map((row) => [
        row.member_id,
        row.occasions,
        row.purchases,
        row.revenue,
        row.completed_revenue,
        row.completed_orders,
        row.member_level,
      ]),
    ).toEqual([
      ['m1', 2, 3, 350, 150, 2, 'regular'],
      ['m2', 1, 1, 1000, 1000, 1, 'senior'],
      ['m3', 5, 5, 50, 50, 5, 'senior'],
      ['m4', 0, 0, 0, 0, 0, 'regular'],
    ]);
    const m1 = rows[0]!;
    expect(m1.first_purchase_at).toEqual(new Date(Date.UTC(2026, 0, 1, 10)));
    expect(m1.last_purchase_at).toEqual(new Date(Date.UTC(2026, 2, 2, 9)));
    expect(m1.aov).toBe(116.67); // 350 / 3, in cents
    expect(m1.avg_interval_days).toBe(31 + 28 + 1); // 2026-01-01 → 2026-03-02
    expect(m1.recency_days).toBe(120); // 2026-03-02 → 2026-06-30
    expect([m1.province, m1.city, m1.city_tier]).toEqual(['浙江省', '杭州市', 2]);
    expect(rows[3]!.recency_days).toBeNull();
  });

  it('measures the shop cycle as the median interval and assigns lifecycle stages by it', async () => {
    const rows = await facts();
    // Intervals: m1 60; m3 10, 10, 10, 10 → median 10, so churned above 40 days.
    expect(rows.map((row) => [row.member_id, row.shop_cycle_days, row.recency_days, row.lifecycle_stage])).toEqual([
      ['m1', 10, 120, 'churned'],
      ['m2', 10, 0, 'new'],
      ['m3', 10, 131, 'churned'],
      ['m4', 10, null, 'prospect'],
    ]);
  });

  it('treats recency of exactly 4C as not churned (the rule is recency > 4C)', async () => {
    const rows = await facts({ shop_cycle_days: '30' });
    expect(rows.map((row) => [row.member_id, row.lifecycle_stage])).toEqual([
      ['m1', 'sleeping'], // 120 = 4 x 30: not churned; > 2 x 30: sleeping
      ['m2', 'new'],
      ['m3', 'churned'], // 131 > 120
      ['m4', 'prospect'],
    ]);
  });

  it('rounds aov half away from zero in exact cents: ¥1,124.10 over 4 purchases is ¥281.03', async () => {
    // 1124.10 / 4 = 281.025 exactly; in DOUBLE it is 281.02499…, which a cast to cents makes 281.02.
    const amounts = [281.1, 281, 281, 281];
    const halfCent = amounts.map((net_amount, index) => ({
      order_id: `h${index}`,
      member_id: 'm5',
      created_at: `2026-0${index + 1}-15 08:00:00`,
      purchased_at: `2026-0${index + 1}-15 08:00:00`,
      status: 'completed',
      is_purchase: true,
      net_amount,
    }));
    const rows = await runModel('marts.member_facts', { 'staging.stg_orders': halfCent, 'staging.stg_members': [] });
    expect([rows[0]!.revenue, rows[0]!.purchases, rows[0]!.aov]).toEqual([1124.1, 4, 281.03]);
  });

  it('counts each order as an occasion with purchase_grain = order', async () => {
    const rows = await facts({ purchase_grain: 'order' });
    expect(rows.find((row) => row.member_id === 'm1')?.occasions).toBe(3);
  });
});
