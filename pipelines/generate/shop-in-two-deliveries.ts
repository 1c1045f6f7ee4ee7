import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { generateShop } from './generate-shop.js';

/**
 * A generated shop as two deliveries: `before/` holds everything up to the day before `lastDay`,
 * `last/` that day's orders and their items, as a nightly export would bring them. With
 * `optionalFiles`, the optional files come too: the products in `before/`, and each shipment, review
 * and refund with its order's delivery.
 */
export async function shopInTwoDeliveries(
  dir: string,
  members: number,
  seed: number,
  {
    shopTimeZone,
    lastDay = '2026-11-20',
    days = 400,
    optionalFiles = false,
  }: { shopTimeZone: string; lastDay?: string; days?: number; optionalFiles?: boolean },
) {
  const shopDir = join(dir, 'shop');
  await generateShop({ members, days, shopTimeZone, endDate: lastDay, seed, outDir: shopDir });
  const before = join(dir, 'before');
  const last = join(dir, 'last');
  for (const folder of [before, last]) mkdirSync(folder, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const read = (table: string) => `read_csv('${join(shopDir, `${table}.csv`)}', all_varchar = true)`;
  const write = (query: string, path: string) => connection.run(`copy (${query}) to '${path}' (header, quote '"')`);
  const lastOrders = `select order_id from ${read('orders')} where created_at >= '${lastDay}'`;
  await write(`select * from ${read('orders')} where created_at < '${lastDay}'`, join(before, 'orders.csv'));
  await write(`select * from ${read('order_items')} where order_id not in (${lastOrders})`, join(before, 'order_items.csv'));
  for (const table of ['members', 'campaigns', 'campaign_contacts', ...(optionalFiles ? ['products'] : [])])
    await write(`select * from ${read(table)}`, join(before, `${table}.csv`));
  for (const table of optionalFiles ? ['shipments', 'reviews', 'refunds'] : []) {
    await write(`select * from ${read(table)} where order_id not in (${lastOrders})`, join(before, `${table}.csv`));
    const ofLastDay = `select * from ${read(table)} where order_id in (${lastOrders})`;
    const found = await connection.runAndReadAll(`select count(*) from (${ofLastDay})`);
    if (Number(found.getRows()[0]![0]) > 0) await write(ofLastDay, join(last, `${table}-last-day.csv`));
  }
  await write(`select * from ${read('orders')} where created_at >= '${lastDay}'`, join(last, 'orders-last-day.csv'));
  await write(`select * from ${read('order_items')} where order_id in (${lastOrders})`, join(last, 'order_items-last-day.csv'));
  const counted = await connection.runAndReadAll(
    `select (select count(*) from ${read('orders')}) as orders, (${lastOrders.replace('select order_id', 'select count(*)')}) as last_day_orders`,
  );
  const [orders, lastDayOrders] = counted.getRows()[0]!.map(Number);
  connection.closeSync();
  instance.closeSync();
  return { before, last, orders: orders!, lastDayOrders: lastDayOrders! };
}
