import { describe, expect, it } from 'vitest';
import { runModel } from '../helpers/run-model.js';

// Raw rows as shop exports deliver them: refunds after 交易成功, status updates in later files,
// fields a later export leaves empty. Every expected value is worked out by hand from these rows.
const raw = (order: Record<string, unknown>) => ({
  member_id: 'nick',
  status: 'completed',
  paid_amount: 100,
  refund_amount: 0,
  _file_id: 1,
  _line: 2,
  ...order,
  created_at: order.created_at ?? `${order.day} 10:00:00`,
  paid_at: order.paid_at === undefined ? `${order.day} 10:00:30` : order.paid_at,
  day: undefined,
});
const orders = (...rows: Record<string, unknown>[]) => rows.map(raw).map(({ day: _day, ...row }) => row);
const asOf = { as_of_date: '2026-06-30', shop_cycle_days: '60' };

describe('a fully refunded order is not a purchase', () => {
  // R: completed 01-10 then refunded in full; completed 03-01 with 30 refunded (a purchase of 70).
  // S: its only order completed 02-01, refunded in full. T: five completed orders refunded in full.
  const given = {
    'raw.orders': orders(
      { order_id: 'r1', member_id: 'R', day: '2026-01-10', refund_amount: 100 },
      { order_id: 'r2', member_id: 'R', day: '2026-03-01', refund_amount: 30 },
      { order_id: 's1', member_id: 'S', day: '2026-02-01', refund_amount: 100 },
      ...['01', '02', '03', '04', '05'].map((month) => ({
        order_id: `t${month}`,
        member_id: 'T',
        day: `2026-${month}-15`,
        paid_amount: 300,
        refund_amount: 300,
      })),
    ),
    'raw.order_items': [
      { order_id: 'r1', product_id: 'P1', category: 'tops', quantity: 1, amount: 100, _file_id: 1, _line: 2 },
      { order_id: 'r2', product_id: 'P1', category: 'tops', quantity: 1, amount: 100, _file_id: 1, _line: 3 },
    ],
  };

  it('adds no occasion, no revenue and no level order; a partial refund stays a purchase of its net value', async () => {
    const facts = await runModel('marts.member_facts', given, { parameters: asOf });
    const byRevenue = facts.map((row) => [
      row.occasions,
      row.purchases,
      row.revenue,
      row.completed_orders,
      row.member_level,
      row.lifecycle_stage,
    ]);
    // R, S and T in some order: sort by occasions then level for a stable comparison.
    expect(byRevenue.sort((a, b) => Number(b[0]) - Number(a[0]))).toEqual([
      [1, 1, 70, 1, 'regular', 'sleeping'], // only r2, 70 net, on 03-01: 121 days > 2 cycles of 60
      [0, 0, 0, 0, 'regular', 'prospect'],
      [0, 0, 0, 0, 'regular', 'prospect'], // five refunded orders would have made T senior (5 orders)
    ]);
    const [r] = facts.filter((row) => row.occasions === 1);
    expect(r!.first_purchase_at).toEqual(new Date(Date.UTC(2026, 2, 1, 10, 0, 30)));
  });

  it('adds no ladder step, no cohort member and no product repeat', async () => {
    const ladder = await runModel('marts.repurchase_ladder', given, { parameters: asOf, orderBy: 'variant, step_n' });
    const naive = ladder.filter((row) => row.variant === 'naive').slice(0, 2);
    expect(naive.map((row) => [row.reached_n, row.reached_next])).toEqual([
      [1, 0],
      [0, 0],
    ]);
    const cohorts = await runModel('marts.cohort_retention', given, { parameters: asOf, orderBy: 'cohort_month, month_offset' });
    expect([...new Set(cohorts.map((row) => row.cohort_month))]).toEqual(['2026-03-01']);
    const cycles = await runModel('marts.product_repurchase_cycle', given, { parameters: asOf, orderBy: 'level, item_key' });
    expect(cycles.map((row) => [row.level, row.item_key, row.buyers, row.repeat_buyers])).toEqual([
      ['category', 'tops', 1, 0],
      ['product', 'P1', 1, 0],
    ]);
  });

  it('is no campaign response', async () => {
    const rows = await runModel(
      'marts.campaign_roi',
      {
        'raw.orders': given['raw.orders'],
        'raw.campaigns': [
          {
            campaign_id: 'C1',
            name: 'c',
            channel: 'sms',
            sent_at: '2026-01-31 09:00:00',
            cost_per_contact: 0.05,
            attribution_days: 7,
            _file_id: 1,
            _line: 2,
          },
        ],
        'raw.campaign_contacts': [
          {
            campaign_id: 'C1',
            member_id: 'S',
            contacted_at: '2026-01-31 09:00:00',
            arm: 'treatment',
            delivered: true,
            _file_id: 1,
            _line: 2,
          },
        ],
      },
      { parameters: asOf },
    );
    expect(rows.map((row) => [row.treatment_size, row.responders_t, row.attributed_revenue])).toEqual([[1, 0, 0]]);
  });
});

describe('an order worth ¥0', () => {
  it('is no purchase, unless zero_value_purchases says so for a log of transactions; refunded in full it never is', async () => {
    const given = {
      'raw.orders': orders(
        { order_id: 'gift', day: '2026-03-01', paid_amount: 0 },
        { order_id: 'refunded', day: '2026-03-02', paid_amount: 80, refund_amount: 80 },
      ),
    };
    const purchases = async (parameters: Record<string, string>) =>
      (await runModel('staging.stg_orders', given, { parameters, orderBy: 'order_id' })).map((row) => [row.order_id, row.is_purchase]);
    expect(await purchases({})).toEqual([
      ['gift', false],
      ['refunded', false],
    ]);
    expect(await purchases({ zero_value_purchases: 'true' })).toEqual([
      ['gift', true],
      ['refunded', false],
    ]);
  });
});

describe('member levels', () => {
  it('count completed purchases by their purchase time, up to the as-of date', async () => {
    // U's ¥1,000 order was created on 06-29 but paid on 07-01, after the as-of date: no level yet.
    // V's ¥1,000 order was created and paid on 06-30: senior.
    const facts = await runModel(
      'marts.member_facts',
      {
        'raw.orders': orders(
          { order_id: 'u1', member_id: 'U', day: '2026-06-29', paid_at: '2026-07-01 08:00:00', paid_amount: 1000 },
          { order_id: 'v1', member_id: 'V', day: '2026-06-30', paid_amount: 1000 },
        ),
      },
      { parameters: asOf, orderBy: 'completed_revenue' },
    );
    expect(facts.map((row) => [row.completed_orders, row.completed_revenue, row.member_level])).toEqual([
      [0, 0, 'regular'],
      [1, 1000, 'senior'],
    ]);
  });
});

describe("an order's latest state", () => {
  it('is the row with the greatest updated_at, then the later file, then the later line', async () => {
    const rows = await runModel(
      'staging.stg_orders',
      {
        'raw.orders': orders(
          // x1: paid in file 1, refunded in full after 交易成功 in file 2: no purchase.
          { order_id: 'x1', day: '2026-03-01', status: 'paid', refund_amount: null, _file_id: 1 },
          { order_id: 'x1', day: '2026-03-01', status: 'completed', refund_amount: 100, _file_id: 2 },
          // x2: an older state (shipped, updated 03-01) delivered after the newer one (completed, 03-02).
          { order_id: 'x2', day: '2026-02-27', status: 'completed', updated_at: '2026-03-02 12:00:00', _file_id: 1 },
          { order_id: 'x2', day: '2026-02-27', status: 'shipped', updated_at: '2026-03-01 12:00:00', _file_id: 2 },
          // x3: a row with updated_at outranks a later one without.
          { order_id: 'x3', day: '2026-02-27', status: 'completed', updated_at: '2026-03-02 12:00:00', _file_id: 1 },
          { order_id: 'x3', day: '2026-02-27', status: 'paid', _file_id: 2 },
        ),
      },
      { orderBy: 'order_id' },
    );
    expect(rows.map((row) => [row.order_id, row.status, row.net_amount, row.is_purchase])).toEqual([
      ['x1', 'completed', 0, false],
      ['x2', 'completed', 100, true],
      ['x3', 'completed', 100, true],
    ]);
  });

  it('keeps what an earlier row knew where the latest leaves a field empty', async () => {
    const rows = await runModel('staging.stg_orders', {
      'raw.orders': orders(
        {
          order_id: 'y1',
          day: '2026-03-01',
          refund_amount: 40,
          coupon_code: ' SUMMER ',
          province: '浙江省',
          city: '杭州市',
          channel: 'mobile',
        },
        // A later export without 退款金额, coupon or address, and with no payment time.
        {
          order_id: 'y1',
          day: '2026-03-01',
          refund_amount: null,
          coupon_code: '',
          province: ' ',
          city: null,
          channel: null,
          paid_at: null,
          _file_id: 2,
        },
      ),
    });
    expect(rows.map((row) => [row.refund_amount, row.net_amount, row.coupon_code, row.province, row.city, row.channel])).toEqual([
      [40, 60, 'SUMMER', '浙江省', '杭州市', 'mobile'],
    ]);
    expect(rows[0]!.paid_at).toEqual(new Date(Date.UTC(2026, 2, 1, 10, 0, 30)));
  });

  it("of order lines: a line_id replaces that line only; without one the latest file's lines replace the order's", async () => {
    const item = (order: string, product: string, file: number, line: number, lineId: string | null, quantity = 1) => ({
      order_id: order,
      line_id: lineId,
      product_id: product,
      quantity,
      amount: 50 * quantity,
      _file_id: file,
      _line: line,
    });
    const rows = await runModel(
      'staging.stg_order_items',
      {
        'raw.order_items': [
          item('z1', 'P1', 1, 2, 'L1'),
          item('z1', 'P2', 1, 3, 'L2'),
          item('z1', 'P2', 2, 2, 'L2', 2), // a later items file holding only line L2
          item('z2', 'P1', 1, 4, null),
          item('z2', 'P2', 1, 5, null),
          item('z2', 'P3', 2, 3, null), // a later file with one line of z2 and no line ids
        ],
      },
      { orderBy: 'order_id, line_number' },
    );
    expect(rows.map((row) => [row.order_id, row.line_number, row.line_id, row.product_id, row.quantity])).toEqual([
      ['z1', 1, 'L1', 'P1', 1],
      ['z1', 2, 'L2', 'P2', 2],
      ['z2', 1, null, 'P3', 1],
    ]);
  });

  it('is what a build as of an earlier date sees too: a refund loaded later restates the past', async () => {
    const facts = await runModel(
      'marts.member_facts',
      {
        'raw.orders': orders(
          { order_id: 'w1', member_id: 'W', day: '2026-01-10', _file_id: 1 },
          { order_id: 'w1', member_id: 'W', day: '2026-01-10', refund_amount: 100, updated_at: '2026-06-01 09:00:00', _file_id: 2 },
          { order_id: 'w2', member_id: 'W', day: '2026-01-20', _file_id: 1 },
        ),
      },
      { parameters: { as_of_date: '2026-02-01' } },
    );
    expect(facts.map((row) => [row.occasions, row.revenue])).toEqual([[1, 100]]);
  });
});

describe('a product that moved to another category', () => {
  it('carries the category and name of its latest order line everywhere', async () => {
    const given = {
      'raw.orders': orders(
        { order_id: 'p1', member_id: 'M', day: '2026-01-05' },
        { order_id: 'p2', member_id: 'M', day: '2026-01-05', created_at: '2026-01-05 11:00:00' },
        { order_id: 'p3', member_id: 'M', day: '2026-03-05' },
      ),
      'raw.order_items': [
        { order_id: 'p1', product_id: 'P1', product_name: '衬衫', category: 'tops', quantity: 1, amount: 100, _file_id: 1, _line: 2 },
        { order_id: 'p2', product_id: 'P1', product_name: '衬衫', category: 'dresses', quantity: 1, amount: 100, _file_id: 1, _line: 3 },
        {
          order_id: 'p3',
          product_id: 'P1',
          product_name: '真丝衬衫',
          category: 'dresses',
          quantity: 1,
          amount: 100,
          _file_id: 1,
          _line: 4,
        },
      ],
    };
    const dated = await runModel('intermediate.int_product_purchases_dated', given, { parameters: asOf, orderBy: 'purchase_date' });
    expect(dated.map((row) => [row.product_id, row.category, row.purchase_date, row.days_since_previous])).toEqual([
      ['P1', 'dresses', '2026-01-05', null],
      ['P1', 'dresses', '2026-03-05', 59],
    ]);
    const cycles = await runModel('marts.product_repurchase_cycle', given, { parameters: asOf, orderBy: 'level, item_key' });
    expect(
      cycles.map((row) => [row.level, row.item_key, row.product_name, row.category, row.buyers, row.repeat_buyers, row.median_cycle_days]),
    ).toEqual([
      ['category', 'dresses', null, 'dresses', 1, 1, 59],
      ['product', 'P1', '真丝衬衫', 'dresses', 1, 1, 59],
    ]);
  });
});
