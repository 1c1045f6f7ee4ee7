import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse, type Warehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { runRefresh } from '../helpers/run-refresh.js';
import { tempConfig } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

const orders = [
  'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount',
  'O1,a,2026-10-01 10:00:00,2026-10-01 10:05:00,completed,300,100',
  'O2,b,2026-10-02 10:00:00,2026-10-02 10:05:00,completed,80,0',
  'O3,c,2026-10-03 10:00:00,2026-10-03 10:05:00,completed,120,0',
].join('\n');

// O1 goes in two parcels: shipped 10-02 09:00 (SF) and 10-03 12:00, one signed; the later file
// signs the second at 10-05 18:00, so O1 is signed then. O2's one parcel is flagged abnormal by its
// text. Quarantined: a row without an order id, one signed before it was shipped, a flag that is no boolean.
const shipments = [
  'order_id,shipped_at,carrier,tracking_no,signed_at,is_exception,exception_text',
  'O1,2026-10-02 09:00:00,顺丰,SF1,2026-10-04 08:00:00,false,',
  'O1,2026-10-03 12:00:00,中通,ZT1,,false,',
  'O2,2026-10-03 15:00:00,圆通,YT1,,,包裹滞留',
  ',2026-10-03 15:00:00,圆通,YT9,,,',
  'O3,2026-10-05 10:00:00,圆通,YT2,2026-10-04 10:00:00,,',
  'O3,2026-10-05 10:00:00,圆通,YT3,,maybe,',
].join('\n');
const laterShipments = ['order_id,shipped_at,tracking_no,signed_at', 'O1,2026-10-03 12:00:00,ZT1,2026-10-05 18:00:00'].join('\n');

// Ratings as exported: 差评 and 4 stars; the later file turns O2's 中评 into 好评 and keeps its text.
const reviews = [
  'order_id,product_id,rated_at,rating,has_photo,review_text',
  'O1,P1,2026-10-06 20:00:00,差评,true,质量太差',
  'O1,P2,2026-10-06 20:01:00,4,,',
  'O2,P3,2026-10-07 09:00:00,中评,false,一般',
  'O3,P4,2026-10-07 09:00:00,很好,false,',
  ',P4,2026-10-07 09:00:00,好评,false,',
].join('\n');
const laterReviews = ['order_id,product_id,rated_at,rating', 'O2,P3,2026-10-08 09:00:00,好评'].join('\n');

// R1 succeeds for quality; R2 is open with a reason the seed does not list (other), then closed by
// the later file; quarantined: a negative amount, a status the seed does not list, finished before requested.
const refunds = [
  'refund_id,order_id,requested_at,finished_at,amount,reason,status',
  'R1,O1,2026-10-07 10:00:00,2026-10-08 10:00:00,100,质量问题,退款成功',
  'R2,O2,2026-10-08 10:00:00,,80,想换个颜色,退款中',
  'R3,O3,2026-10-08 10:00:00,,-5,发错货,退款中',
  'R4,O3,2026-10-08 10:00:00,,5,发错货,已撤销',
  'R5,O3,2026-10-08 10:00:00,2026-10-07 10:00:00,5,发错货,退款关闭',
].join('\n');
const laterRefunds = [
  'refund_id,order_id,requested_at,finished_at,amount,status',
  'R2,O2,2026-10-08 10:00:00,2026-10-09 11:00:00,80,退款关闭',
].join('\n');

let warehouse: Warehouse;

async function rows(text: string): Promise<unknown[]> {
  return (await sql.raw(text).execute(warehouse.db)).rows;
}

beforeAll(async () => {
  const inbox = writeFiles({
    'orders.csv': orders,
    'shipments.csv': shipments,
    'shipments_later.csv': laterShipments,
    'reviews.csv': reviews,
    'reviews_later.csv': laterReviews,
    'refunds.csv': refunds,
    'refunds_later.csv': laterRefunds,
  });
  warehouse = await openWarehouse(tempConfig());
  await runRefresh(warehouse, { inputs: [inbox] });
}, 120_000);

afterAll(async () => {
  await warehouse?.close();
});

describe('the shipments, reviews and refunds files', () => {
  it('quarantine a row without its key, signed before shipped, a rating or status no seed lists, an amount below zero', async () => {
    expect(
      await rows(`select regexp_extract(path, '[^/]+$') as file, line, public_reason from ops.quarantine
        where table_name in ('shipments', 'reviews', 'refunds') order by file, line`),
    ).toEqual([
      { file: 'refunds.csv', line: 4, public_reason: 'breaks the rule amount >= 0' },
      { file: 'refunds.csv', line: 5, public_reason: 'status is not a status of seeds/refund_statuses.csv' },
      { file: 'refunds.csv', line: 6, public_reason: 'breaks the rule finished_at >= requested_at' },
      { file: 'reviews.csv', line: 5, public_reason: 'rating is not a rating of seeds/review_ratings.csv' },
      { file: 'reviews.csv', line: 6, public_reason: 'order_id is missing' },
      { file: 'shipments.csv', line: 5, public_reason: 'order_id is missing' },
      { file: 'shipments.csv', line: 6, public_reason: 'breaks the rule signed_at >= shipped_at' },
      { file: 'shipments.csv', line: 7, public_reason: 'is_exception is not a BOOLEAN' },
    ]);
  });

  it('give one row per order in staging.stg_shipments: first shipment, last signing once every parcel is signed', async () => {
    expect(await rows('select * from staging.stg_shipments order by order_id')).toEqual([
      {
        order_id: 'O1',
        shipped_at: new Date('2026-10-02T09:00:00Z'),
        carrier: '顺丰',
        tracking_no: 'SF1',
        signed_at: new Date('2026-10-05T18:00:00Z'),
        is_exception: false,
        exception_text: null,
      },
      {
        order_id: 'O2',
        shipped_at: new Date('2026-10-03T15:00:00Z'),
        carrier: '圆通',
        tracking_no: 'YT1',
        signed_at: null,
        is_exception: true,
        exception_text: '包裹滞留',
      },
    ]);
  });

  it('map ratings through seeds/review_ratings.csv in staging.stg_reviews, the later row winning', async () => {
    expect(
      await rows('select order_id, product_id, rated_at, rating, has_photo, review_text from staging.stg_reviews order by 1, 2'),
    ).toEqual([
      {
        order_id: 'O1',
        product_id: 'P1',
        rated_at: new Date('2026-10-06T20:00:00Z'),
        rating: 'bad',
        has_photo: true,
        review_text: '质量太差',
      },
      { order_id: 'O1', product_id: 'P2', rated_at: new Date('2026-10-06T20:01:00Z'), rating: 'good', has_photo: false, review_text: null },
      {
        order_id: 'O2',
        product_id: 'P3',
        rated_at: new Date('2026-10-08T09:00:00Z'),
        rating: 'good',
        has_photo: false,
        review_text: '一般',
      },
    ]);
  });

  it('map reasons and statuses in staging.stg_refunds, keeping the reason a later row leaves out, and leave net revenue alone', async () => {
    expect(
      await rows('select refund_id, order_id, finished_at, amount, reason, reason_code, status from staging.stg_refunds order by 1'),
    ).toEqual([
      {
        refund_id: 'R1',
        order_id: 'O1',
        finished_at: new Date('2026-10-08T10:00:00Z'),
        amount: 100,
        reason: '质量问题',
        reason_code: 'quality',
        status: 'success',
      },
      {
        refund_id: 'R2',
        order_id: 'O2',
        finished_at: new Date('2026-10-09T11:00:00Z'),
        amount: 80,
        reason: '想换个颜色',
        reason_code: 'other',
        status: 'closed',
      },
    ]);
    expect(await rows('select order_id, net_amount from staging.stg_orders order by 1')).toEqual([
      { order_id: 'O1', net_amount: 200 },
      { order_id: 'O2', net_amount: 80 },
      { order_id: 'O3', net_amount: 120 },
    ]);
  });
});
