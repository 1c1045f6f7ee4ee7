import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadFile } from '../../pipelines/load/load-file.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

// The first 50 columns of Shopify's orders export, in its order; one row per line item, the
// order's own fields on its first row only.
const columns = [
  'Name',
  'Email',
  'Financial Status',
  'Paid at',
  'Fulfillment Status',
  'Fulfilled at',
  'Accepts Marketing',
  'Currency',
  'Subtotal',
  'Shipping',
  'Taxes',
  'Total',
  'Discount Code',
  'Discount Amount',
  'Shipping Method',
  'Created at',
  'Lineitem quantity',
  'Lineitem name',
  'Lineitem price',
  'Lineitem compare at price',
  'Lineitem sku',
  'Lineitem requires shipping',
  'Lineitem taxable',
  'Lineitem fulfillment status',
  'Billing Name',
  'Billing Street',
  'Billing Address1',
  'Billing Address2',
  'Billing Company',
  'Billing City',
  'Billing Zip',
  'Billing Province',
  'Billing Country',
  'Billing Phone',
  'Shipping Name',
  'Shipping Street',
  'Shipping Address1',
  'Shipping Address2',
  'Shipping Company',
  'Shipping City',
  'Shipping Zip',
  'Shipping Province',
  'Shipping Country',
  'Shipping Phone',
  'Notes',
  'Note Attributes',
  'Cancelled at',
  'Payment Method',
  'Payment Reference',
  'Refunded Amount',
  'Vendor',
  'Outstanding Balance',
  'Employee',
  'Location',
  'Device ID',
  'Id',
  'Tags',
  'Risk Level',
  'Source',
];

function row(fields: Record<string, string>): string {
  return columns
    .map((column) => {
      const value = fields[column] ?? '';
      return /[",\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
    })
    .join(',');
}

const order = (fields: Record<string, string>) => ({ Currency: 'EUR', 'Accepts Marketing': 'no', Source: 'web', ...fields });
const exportFile = [
  columns.join(','),
  row(
    order({
      Name: '#1001',
      Email: 'Anna@Example.com',
      'Financial Status': 'paid',
      'Paid at': '2026-11-11 00:05:00 +0100',
      'Fulfillment Status': 'fulfilled',
      Total: '59.00',
      'Discount Code': 'WELCOME10',
      'Created at': '2026-11-11 00:04:10 +0100',
      'Lineitem quantity': '2',
      'Lineitem name': 'Mug, blue',
      'Lineitem price': '12.00',
      'Lineitem sku': 'MUG-1',
      'Billing City': 'Berlin',
      'Billing Province': 'BE',
      'Billing Phone': "'+4930123",
      'Refunded Amount': '0.00',
    }),
  ),
  row({
    Name: '#1001',
    Email: 'anna@example.com',
    'Created at': '2026-11-11 00:04:10 +0100',
    'Lineitem quantity': '1',
    'Lineitem name': 'Teapot',
    'Lineitem price': '35.00',
  }),
  row(
    order({
      Name: '#1002',
      Email: 'bo@example.com',
      'Financial Status': 'refunded',
      'Paid at': '2026-11-12 23:31:00 -0500',
      'Fulfillment Status': 'unfulfilled',
      Total: '20.00',
      'Created at': '2026-11-12 23:30:00 -0500',
      'Lineitem quantity': '1',
      'Lineitem name': 'Socks',
      'Lineitem price': '20.00',
      'Lineitem sku': 'SOCK',
      'Billing City': 'Boston',
      'Billing Province': 'MA',
      'Refunded Amount': '20.00',
    }),
  ),
  row(
    order({
      Name: '#1003',
      Email: 'bo@example.com',
      'Financial Status': 'partially_refunded',
      'Paid at': '2026-11-13 08:00:00 +0000',
      'Fulfillment Status': 'partial',
      Total: '100.00',
      'Created at': '2026-11-13 07:59:00 +0000',
      'Lineitem quantity': '5',
      'Lineitem name': 'Tea',
      'Lineitem price': '20.00',
      'Lineitem sku': 'TEA',
      'Refunded Amount': '30.00',
      Source: 'pos',
    }),
  ),
  row(
    order({
      Name: '#1004',
      Email: '',
      'Financial Status': 'pending',
      Total: '15.00',
      'Created at': '2026-11-14 09:00:00 +0800',
      'Lineitem quantity': '1',
      'Lineitem name': 'Spoon',
      'Lineitem price': '15.00',
      'Lineitem sku': 'SPOON',
    }),
  ),
  row(
    order({
      Name: '#1005',
      Email: 'cy@example.com',
      'Financial Status': 'voided',
      Total: '9.00',
      'Created at': '2026-11-14 09:30:00 +0800',
      'Cancelled at': '2026-11-14 10:00:00 +0800',
      'Lineitem quantity': '1',
      'Lineitem name': 'Fork',
      'Lineitem price': '9.00',
      'Lineitem sku': 'FORK',
    }),
  ),
].join('\n');

describe('the Shopify orders export', () => {
  it('feeds orders (one per Name, times converted to shop time) and order_items (one per row), and loads only once', async () => {
    const dir = writeFiles({ 'orders_export_1.csv': exportFile });
    await withWarehouse(async ({ db }) => {
      const results = await loadFile(db, join(dir, 'orders_export_1.csv'), { ...repoSeeds });
      expect(results).toMatchObject([
        { table: 'orders', format: 'mapping:shopify_orders', skipped: false, rowsRead: 5, rowsLoaded: 4, rowsQuarantined: 1 },
        { table: 'order_items', format: 'mapping:shopify_orders', skipped: false, rowsRead: 6, rowsLoaded: 6, rowsQuarantined: 0 },
      ]);
      const orders =
        await sql`select order_id, member_id, strftime(created_at, '%Y-%m-%d %H:%M:%S') as created_at, strftime(paid_at, '%Y-%m-%d %H:%M:%S') as paid_at,
        status, paid_amount, refund_amount, item_count, province, city, phone, channel, coupon_code, _line from raw.orders order by order_id`.execute(
          db,
        );
      // By hand: shop time is Asia/Shanghai (UTC+8), so 00:04:10 +0100 is 07:04:10 the same day.
      expect(orders.rows).toEqual([
        {
          order_id: '#1001',
          member_id: 'anna@example.com',
          created_at: '2026-11-11 07:04:10',
          paid_at: '2026-11-11 07:05:00',
          status: 'paid/fulfilled',
          paid_amount: 59,
          refund_amount: 0,
          item_count: 3,
          province: 'BE',
          city: 'Berlin',
          phone: '+4930123',
          channel: 'web',
          coupon_code: 'WELCOME10',
          _line: 2,
        },
        {
          order_id: '#1002',
          member_id: 'bo@example.com',
          created_at: '2026-11-13 12:30:00',
          paid_at: '2026-11-13 12:31:00',
          status: 'refunded/unfulfilled',
          paid_amount: 20,
          refund_amount: 20,
          item_count: 1,
          province: 'MA',
          city: 'Boston',
          phone: null,
          channel: 'web',
          coupon_code: null,
          _line: 4,
        },
        {
          order_id: '#1003',
          member_id: 'bo@example.com',
          created_at: '2026-11-13 15:59:00',
          paid_at: '2026-11-13 16:00:00',
          status: 'partially_refunded/partial',
          paid_amount: 100,
          refund_amount: 30,
          item_count: 5,
          province: null,
          city: null,
          phone: null,
          channel: 'pos',
          coupon_code: null,
          _line: 5,
        },
        {
          order_id: '#1005',
          member_id: 'cy@example.com',
          created_at: '2026-11-14 09:30:00',
          paid_at: null,
          status: 'cancelled',
          paid_amount: 9,
          refund_amount: null,
          item_count: 1,
          province: null,
          city: null,
          phone: null,
          channel: 'web',
          coupon_code: null,
          _line: 7,
        },
      ]);
      const items =
        await sql`select order_id, product_id, product_name, quantity, unit_price, amount, _line from raw.order_items order by _line`.execute(
          db,
        );
      expect(items.rows).toEqual([
        { order_id: '#1001', product_id: 'MUG-1', product_name: 'Mug, blue', quantity: 2, unit_price: 12, amount: 24, _line: 2 },
        { order_id: '#1001', product_id: 'Teapot', product_name: 'Teapot', quantity: 1, unit_price: 35, amount: 35, _line: 3 },
        { order_id: '#1002', product_id: 'SOCK', product_name: 'Socks', quantity: 1, unit_price: 20, amount: 20, _line: 4 },
        { order_id: '#1003', product_id: 'TEA', product_name: 'Tea', quantity: 5, unit_price: 20, amount: 100, _line: 5 },
        { order_id: '#1004', product_id: 'SPOON', product_name: 'Spoon', quantity: 1, unit_price: 15, amount: 15, _line: 6 },
        { order_id: '#1005', product_id: 'FORK', product_name: 'Fork', quantity: 1, unit_price: 9, amount: 9, _line: 7 },
      ]);
      const quarantine = await db.selectFrom('ops.quarantine').select(['table_name', 'line', 'reason']).execute();
      expect(quarantine).toEqual([{ table_name: 'orders', line: 6, reason: 'member_id is missing' }]);

      const again = await loadFile(db, join(dir, 'orders_export_1.csv'), { ...repoSeeds });
      expect(again.map((result) => [result.table, result.skipped])).toEqual([
        ['orders', true],
        ['order_items', true],
      ]);
      const files = await db.selectFrom('ops.loaded_files').select(['table_name', 'content_hash']).orderBy('file_id').execute();
      expect(files.map((file) => file.table_name)).toEqual(['orders', 'order_items']);
      expect(files[0]!.content_hash).toBe(files[1]!.content_hash);
    });
  });
});
