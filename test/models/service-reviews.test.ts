import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';
import { line } from '../helpers/service-fixtures.js';

function review(paid: Record<string, unknown>, productId: string, ratedOn: string, rating: string, hasPhoto = false) {
  return { order_id: paid.order_id, product_id: productId, rated_at: `${ratedOn} 20:00:00`, rating, has_photo: hasPhoto };
}

// September: S (p3), never reviewed. October: O1 (p1, p2) reviewed good with a photo on p1 and bad
// on p2; O2 (p1) reviewed neutral; O3 (p1, p3) not reviewed. November: N (p2). December: D (p1),
// reviewed good after the as-of date. One review is of an order the shop does not know.
const s = order('S', '2025-09-10', 100);
const o1 = order('A', '2025-10-02', 100);
const o2 = order('B', '2025-10-03', 100);
const o3 = order('C', '2025-10-04', 100);
const n = order('A', '2025-11-05', 100);
const d = order('B', '2025-12-05', 100);
const orders = [s, o1, o2, o3, n, d];
const lines = [
  line(s, 'p3'),
  line(o1, 'p1'),
  line(o1, 'p2', 2),
  line(o2, 'p1'),
  line(o3, 'p1'),
  line(o3, 'p3', 2),
  line(n, 'p2'),
  line(d, 'p1'),
];
const given = {
  'staging.stg_orders': orders,
  'staging.stg_reviews': [
    review(o1, 'p1', '2025-10-08', 'good', true),
    review(o1, 'p2', '2025-10-08', 'bad'),
    review(o2, 'p1', '2025-10-09', 'neutral'),
    review(d, 'p1', '2025-12-25', 'good'),
    review({ order_id: 'unknown-order' }, 'p1', '2025-10-09', 'bad'),
  ],
};
const parameters = { as_of_date: '2025-12-20', min_rate_members: '2' };

describe('reviews by month and by product (marts.service_reviews_monthly, marts.service_reviews_by_product)', () => {
  it('gives each month from the first reviewed one its review rate and its good, neutral, bad and photo shares', async () => {
    const rows = await runModel('marts.service_reviews_monthly', given, { parameters, orderBy: 'month' });
    expect(rows).toEqual([
      {
        // September is before the first reviewed month: no row.
        month: '2025-10-01',
        month_complete: true,
        // O1 and O2 of 3 paid orders; 3 reviews: 1 good (with a photo), 1 neutral, 1 bad.
        paid_orders: 3,
        reviewed_orders: 2,
        review_rate: 2 / 3,
        reviews: 3,
        good_reviews: 1,
        neutral_reviews: 1,
        bad_reviews: 1,
        photo_reviews: 1,
        good_share: 1 / 3,
        neutral_share: 1 / 3,
        bad_share: 1 / 3,
        photo_share: 1 / 3,
      },
      // 1 paid order is fewer than min_rate_members (2): no rate; no reviews: no shares.
      ...['2025-11-01', '2025-12-01'].map((month) => ({
        month,
        month_complete: month === '2025-11-01',
        paid_orders: 1,
        reviewed_orders: 0,
        review_rate: null,
        reviews: 0,
        good_reviews: 0,
        neutral_reviews: 0,
        bad_reviews: 0,
        photo_reviews: 0,
        good_share: null,
        neutral_share: null,
        bad_share: null,
        photo_share: null,
      })),
    ]);
  });

  it('gives each product its reviewable lines, review rate and shares', async () => {
    const rows = await runModel(
      'marts.service_reviews_by_product',
      { ...given, 'staging.stg_order_items': lines },
      { parameters, orderBy: 'product_id' },
    );
    const columns = [
      'product_id',
      'product_name',
      'reviewable_lines',
      'reviewed_lines',
      'review_rate',
      'reviews',
      'good_share',
      'neutral_share',
      'bad_share',
      'photo_share',
    ];
    expect(rows.map((row) => columns.map((column) => row[column]))).toEqual([
      // p1 on O1, O2, O3 and D: O1 (good, photo) and O2 (neutral) reviewed by the as-of date.
      ['p1', '商品 p1', 4, 2, 0.5, 2, 0.5, 0.5, 0, 0.5],
      // p2 on O1 and N: O1 reviewed bad; 1 review is fewer than 2: no shares.
      ['p2', '商品 p2', 2, 1, 0.5, 1, null, null, null, null],
      ['p3', '商品 p3', 2, 0, 0, 0, null, null, null, null],
    ]);
  });
});
