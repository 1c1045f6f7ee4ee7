import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { type Rows, runModel } from '../helpers/run-model.js';

// Every model here as of 2026-11-20: "yesterday" to a message the rules send on 2026-11-21.
const asOf = { as_of_date: '2026-11-20' };
const purchase = (orderId: string, member: string, day: string, status = 'completed') => ({
  ...order(member, day, 100, status),
  order_id: orderId,
});
// A timestamp as it comes back from DuckDB: the shop's time, read as UTC.
const at = (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
const members = (rows: Rows) => rows.map((row) => row.member_id);

const shipment = (order_id: string, shipped_at: string, signed_at: string | null, extra: Rows[number] = {}) => ({
  order_id,
  shipped_at,
  signed_at,
  carrier: '中通快递',
  tracking_no: `7${order_id}`,
  is_exception: false,
  ...extra,
});
const review = (order_id: string, rating: string, rated_at: string, extra: Rows[number] = {}) => ({
  order_id,
  product_id: 'P1',
  rated_at,
  rating,
  has_photo: false,
  ...extra,
});

describe('audiences.payment_care (付款关怀)', () => {
  it('selects the members whose first purchase is on the as-of date, once each', async () => {
    const orders = [
      purchase('a1', 'A', '2026-11-20'), // first purchase yesterday: in
      purchase('b1', 'B', '2026-11-19'), // the day before: out
      purchase('c1', 'C', '2026-10-01'), // bought before: not a first purchase
      purchase('c2', 'C', '2026-11-20'),
      purchase('d1', 'D', '2026-11-20', 'cancelled'), // no purchase
      purchase('e1', 'E', '2026-11-21'), // after the as-of date
      purchase('f1', 'F', '2026-11-20'), // two orders that day: one row
      purchase('f2', 'F', '2026-11-20'),
    ];
    const rows = await runModel('audiences.payment_care', { 'staging.stg_orders': orders }, { parameters: asOf, orderBy: 'member_id' });
    expect(members(rows)).toEqual(['A', 'F']);
  });
});

describe('audiences.review_invitation (签收邀评)', () => {
  it('selects the members with an order signed for on the as-of date, still a purchase and not reviewed by then', async () => {
    const orders = [
      purchase('g1', 'G', '2026-11-15'),
      purchase('h1', 'H', '2026-11-15'),
      purchase('i1', 'I', '2026-11-15'),
      purchase('j1', 'J', '2026-11-15', 'cancelled'),
      purchase('k1', 'K', '2026-11-15'),
      purchase('k2', 'K', '2026-11-16'),
      purchase('l1', 'L', '2026-11-15'),
    ];
    const shipments = [
      shipment('g1', '2026-11-16 10:00:00', '2026-11-20 09:00:00'), // signed yesterday, no review: in
      shipment('h1', '2026-11-16 10:00:00', '2026-11-20 09:00:00'), // reviewed the same day: out
      shipment('i1', '2026-11-16 10:00:00', '2026-11-19 23:59:00'), // signed the day before: out
      shipment('j1', '2026-11-16 10:00:00', '2026-11-20 09:00:00'), // no longer a purchase: out
      shipment('k1', '2026-11-16 10:00:00', '2026-11-20 00:00:00'), // reviewed only after the as-of date: in
      shipment('k2', '2026-11-17 10:00:00', '2026-11-20 18:00:00'), // the same member again: one row
      shipment('l1', '2026-11-16 10:00:00', null), // not signed for
    ];
    const reviews = [review('h1', 'good', '2026-11-20 20:00:00'), review('k1', 'good', '2026-11-21 08:00:00')];
    const rows = await runModel(
      'audiences.review_invitation',
      { 'staging.stg_orders': orders, 'staging.stg_shipments': shipments, 'staging.stg_reviews': reviews },
      { parameters: asOf, orderBy: 'member_id' },
    );
    expect(members(rows)).toEqual(['G', 'K']);
  });
});

describe('audiences.good_review_care (好评关怀)', () => {
  it('selects the members who rated a line good on the as-of date, once each', async () => {
    const orders = [
      purchase('m1', 'M', '2026-11-10'),
      purchase('n1', 'N', '2026-11-10'),
      purchase('p1', 'P', '2026-11-10'),
      purchase('q1', 'Q', '2026-11-10'),
    ];
    const reviews = [
      review('m1', 'good', '2026-11-20 12:00:00'), // in
      review('n1', 'bad', '2026-11-20 12:00:00'), // not good
      review('p1', 'good', '2026-11-19 12:00:00'), // the day before
      review('q1', 'good', '2026-11-20 08:00:00'), // two lines of one order: one row
      review('q1', 'good', '2026-11-20 08:00:00', { product_id: 'P2' }),
      review('x1', 'good', '2026-11-20 12:00:00'), // an order not loaded: no member to thank
    ];
    const rows = await runModel(
      'audiences.good_review_care',
      { 'staging.stg_orders': orders, 'staging.stg_reviews': reviews },
      { parameters: asOf, orderBy: 'member_id' },
    );
    expect(members(rows)).toEqual(['M', 'Q']);
  });
});

describe('worklists.bad_reviews (中差评服务)', () => {
  it('lists each bad or neutral review of the last review_followup_days days with its order, product, member and text as exported', async () => {
    const orders = [purchase('n1', 'N', '2026-11-10'), purchase('r1', 'R', '2026-10-01'), purchase('s1', 'S', '2026-10-01')];
    const items = [
      { order_id: 'n1', line_number: 1, product_id: 'P1', product_name: '羊毛大衣', category: 'coats', quantity: 1, amount: 100 },
    ];
    const formula = '=HYPERLINK("http://example.com","退款点这里") 电话13912345678';
    const reviews = [
      review('n1', 'bad', '2026-11-20 10:00:00', { review_text: formula, has_photo: true }), // 0 days ago
      review('r1', 'neutral', '2026-10-21 09:00:00', { product_id: 'P2' }), // 30 days ago: the last day in
      review('s1', 'bad', '2026-10-20 23:00:00'), // 31 days ago: out
      review('n1', 'good', '2026-11-20 10:00:00', { product_id: 'P2' }), // good: out
      review('r1', 'bad', '2026-11-21 10:00:00', { product_id: 'P3' }), // after the as-of date: out
      review('x1', 'bad', '2026-11-18 10:00:00', { product_id: 'P9', review_text: '质量差' }), // an order not loaded: no member
    ];
    const rows = await runModel(
      'worklists.bad_reviews',
      { 'staging.stg_orders': orders, 'staging.stg_order_items': items, 'staging.stg_reviews': reviews },
      { parameters: asOf, orderBy: 'rated_at desc' },
    );
    expect(rows).toEqual([
      {
        order_id: 'n1',
        product_id: 'P1',
        product_name: '羊毛大衣',
        member_id: 'N',
        rating: 'bad',
        rating_label: '差评 bad',
        rated_at: at('2026-11-20 10:00:00'),
        days_ago: 0,
        has_photo: true,
        review_text: formula,
      },
      {
        order_id: 'x1',
        product_id: 'P9',
        product_name: null,
        member_id: null,
        rating: 'bad',
        rating_label: '差评 bad',
        rated_at: at('2026-11-18 10:00:00'),
        days_ago: 2,
        has_photo: false,
        review_text: '质量差',
      },
      {
        order_id: 'r1',
        product_id: 'P2',
        product_name: null,
        member_id: 'R',
        rating: 'neutral',
        rating_label: '中评 neutral',
        rated_at: at('2026-10-21 09:00:00'),
        days_ago: 30,
        has_photo: false,
        review_text: null,
      },
    ]);
  });
});

describe('worklists.abnormal_logistics (异常物流)', () => {
  it('lists the unsigned orders shipped more than logistics_overdue_days days ago or flagged as exceptions', async () => {
    const orders = ['u1', 'v1', 'w1', 'x1', 'y1', 'z1', 'e1', 'f1'].map((id) =>
      purchase(id, id.toUpperCase().slice(0, 1), '2026-10-30', id === 'z1' ? 'cancelled' : 'completed'),
    );
    const shipments = [
      shipment('u1', '2026-11-14 18:00:00', null), // 6 days: overdue
      shipment('v1', '2026-11-15 08:00:00', null), // 5 days: not more than 5
      shipment('w1', '2026-11-19 08:00:00', null, { is_exception: true, exception_text: '包裹破损' }), // flagged
      shipment('x1', '2026-11-01 08:00:00', '2026-11-10 08:00:00'), // signed for
      shipment('y1', '2026-11-01 08:00:00', '2026-11-21 08:00:00', { carrier: null }), // signed only after the as-of date: 19 days
      shipment('z1', '2026-11-01 08:00:00', null), // no longer a purchase
      shipment('e1', '2026-11-10 08:00:00', '2026-11-12 08:00:00', { is_exception: true }), // flagged, but signed for
      shipment('f1', '2026-11-21 08:00:00', null, { is_exception: true }), // shipped after the as-of date
    ];
    const rows = await runModel(
      'worklists.abnormal_logistics',
      { 'staging.stg_orders': orders, 'staging.stg_shipments': shipments },
      { parameters: asOf, orderBy: 'days_since_shipment desc' },
    );
    const row = (order_id: string, member_id: string, shipped_at: string, days: number, extra: Rows[number] = {}) => ({
      order_id,
      member_id,
      province: null,
      city: null,
      carrier: '中通快递',
      tracking_no: `7${order_id}`,
      shipped_at: at(shipped_at),
      days_since_shipment: days,
      is_overdue: true,
      is_exception: false,
      exception_text: null,
      ...extra,
    });
    expect(rows).toEqual([
      row('y1', 'Y', '2026-11-01 08:00:00', 19, { carrier: null }),
      row('u1', 'U', '2026-11-14 18:00:00', 6),
      row('w1', 'W', '2026-11-19 08:00:00', 1, { is_overdue: false, is_exception: true, exception_text: '包裹破损' }),
    ]);
  });
});

describe('a shop without shipments and reviews files', () => {
  it('has empty review and shipping audiences and work lists, without error', async () => {
    const given = { 'staging.stg_orders': [purchase('a1', 'A', '2026-11-20')] };
    for (const model of [
      'audiences.review_invitation',
      'audiences.good_review_care',
      'worklists.bad_reviews',
      'worklists.abnormal_logistics',
    ])
      expect(await runModel(model, given, { parameters: asOf })).toEqual([]);
  });
});
