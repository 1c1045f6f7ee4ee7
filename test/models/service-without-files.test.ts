import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';
import { line } from '../helpers/service-fixtures.js';

// A shop without shipments, reviews or refunds files: its orders and lines alone.
const orders = [order('A', '2025-06-01', 100), order('A', '2025-06-20', 100), order('B', '2025-07-01', 80)];
const ordersOnly = { 'staging.stg_orders': orders };
// The marts by product read the order lines too (a given relation must be upstream of the mart).
const withLines = { ...ordersOnly, 'staging.stg_order_items': orders.map((paid) => line(paid, 'p1')) };
const marts = [
  ['service_shipping_monthly', ordersOnly],
  ['service_delivery', ordersOnly],
  ['service_reviews_monthly', ordersOnly],
  ['service_reviews_by_product', withLines],
  ['service_refunds', withLines],
  ['service_experience_repurchase', ordersOnly],
] as const;

describe('the service marts of a shop without the service files', () => {
  it.each(marts)('builds marts.%s with no rows, so that the page says which file would fill it', async (mart, upstream) => {
    expect(await runModel(`marts.${mart}`, upstream, { parameters: { as_of_date: '2025-12-31' } })).toEqual([]);
  });
});
