import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ShopFigures } from './shop-figures.js';

// The dataframe alternative a Node user would reach for: the same figures from the same canonical
// CSV files with nodejs-polars, following METRICS.md as the models do (latest row per order,
// purchase statuses from seeds/order_statuses.csv, net of refunds, one occasion per member and
// shop day of coalesce(paid_at, created_at), ladder_steps from seeds/parameters.csv).
// tsx pipelines/bench/run-polars.ts ORDERS_CSV SEEDS_DIR OUT_JSON
const [ordersCsv, seedsDir, out] = process.argv.slice(2);
if (!ordersCsv || !seedsDir || !out) throw new Error('usage: run-polars.ts ORDERS_CSV SEEDS_DIR OUT_JSON');

// Installed by npm run bench into pipelines/bench/node_modules, not a dependency of the warehouse.
const pl = createRequire(new URL('./package.json', import.meta.url))('nodejs-polars');
const { col, lit } = pl;

const purchaseStatuses: string[] = pl.readCSV(join(seedsDir, 'order_statuses.csv'), { inferSchemaLength: 0 })
  .filter(col('is_purchase').eq(lit('true'))).getColumn('status').toArray();
const ladderSteps = Number(pl.readCSV(join(seedsDir, 'parameters.csv'), { inferSchemaLength: 0 })
  .filter(col('name').eq(lit('ladder_steps'))).getColumn('value').toArray()[0]);

const timestamp = (name: string) => col(name).str.strptime(pl.Datetime, '%Y-%m-%d %H:%M:%S');
const occasions = pl.scanCSV(ordersCsv, { inferSchemaLength: 0, rowIndexName: 'line' })
  .sort('line')
  .unique({ subset: ['order_id'], keep: 'last', maintainOrder: false })
  .filter(col('status').str.strip().str.toLowerCase().isIn(purchaseStatuses))
  .select(
    col('member_id'),
    timestamp('paid_at').fillNull(timestamp('created_at')).cast(pl.Date).alias('day'),
    col('paid_amount').cast(pl.Float64).sub(col('refund_amount').cast(pl.Float64).fillNull(0)).alias('net'),
  )
  .groupBy(['member_id', 'day'])
  .agg(col('net').sum().alias('revenue'))
  .collectSync();

const perMember = occasions.groupBy('member_id').agg(pl.len().alias('occasions'));
const counts: number[] = perMember.getColumn('occasions').toArray().map(Number);
const months = occasions.lazy()
  .groupBy(col('day').dt.strftime('%Y-%m').alias('month'))
  .agg(col('member_id').nUnique().alias('buyers'), col('revenue').sum().alias('revenue'))
  .sort('month')
  .collectSync()
  .toRecords() as Array<{ month: string; buyers: number; revenue: number }>;

const figures: ShopFigures = {
  buyers: perMember.height,
  occasions: occasions.height,
  revenueCents: Math.round(Number(occasions.getColumn('revenue').sum()) * 100),
  ladder: Array.from({ length: ladderSteps }, (_, index) => counts.filter((count) => count >= index + 1).length),
  months: months.map((row) => ({ month: row.month, buyers: Number(row.buyers), revenueCents: Math.round(Number(row.revenue) * 100) })),
};
writeFileSync(out, JSON.stringify(figures));
