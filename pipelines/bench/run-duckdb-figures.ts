import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { ShopFigures } from './shop-figures.js';

// The same figures as run-polars.ts, by one DuckDB query over the same CSV files in memory: the
// engine-to-engine comparison, with no warehouse file and no other marts.
// tsx pipelines/bench/run-duckdb-figures.ts ORDERS_CSV SEEDS_DIR OUT_JSON MEMORY_LIMIT
const [ordersCsv, seedsDir, out, memoryLimit] = process.argv.slice(2);
if (!ordersCsv || !seedsDir || !out || !memoryLimit) throw new Error('usage: run-duckdb-figures.ts ORDERS_CSV SEEDS_DIR OUT_JSON MEMORY_LIMIT');

const instance = await DuckDBInstance.create(':memory:', { memory_limit: memoryLimit });
const connection = await instance.connect();
const text = (value: string) => `'${value.replaceAll("'", "''")}'`;
await connection.run(`create table occasions as
  with orders as (
    select *, row_number() over () as line from read_csv(${text(ordersCsv)}, header = true, all_varchar = true)
  ),
  latest as (select * from orders qualify row_number() over (partition by order_id order by line desc) = 1),
  purchase_statuses as (select status from read_csv(${text(join(seedsDir, 'order_statuses.csv'))}, header = true, all_varchar = true) where is_purchase = 'true')
  select member_id, coalesce(paid_at::timestamp, created_at::timestamp)::date as day,
         sum(paid_amount::decimal(18, 2) - coalesce(refund_amount::decimal(18, 2), 0)) as revenue
  from latest
  where lower(trim(status)) in (select status from purchase_statuses)
  group by all`);
const rows = async (query: string) => (await connection.runAndReadAll(query)).getRowObjectsJS();
const [totals] = await rows('select count(distinct member_id)::integer as buyers, count(*)::integer as occasions, round(sum(revenue) * 100)::bigint as cents from occasions');
const ladder = await rows(`select count(*) filter (where n >= step)::integer as reached
  from (select member_id, count(*) as n from occasions group by all)
  cross join range(1, (select value::integer + 1 from read_csv(${text(join(seedsDir, 'parameters.csv'))}, header = true, all_varchar = true) where name = 'ladder_steps')) as steps(step)
  group by step order by step`);
const months = await rows("select strftime(day, '%Y-%m') as month, count(distinct member_id)::integer as buyers, round(sum(revenue) * 100)::bigint as cents from occasions group by 1 order by 1");
const figures: ShopFigures = {
  buyers: Number(totals!.buyers), occasions: Number(totals!.occasions), revenueCents: Number(totals!.cents),
  ladder: ladder.map((row) => Number(row.reached)),
  months: months.map((row) => ({ month: String(row.month), buyers: Number(row.buyers), revenueCents: Number(row.cents) })),
};
writeFileSync(out, JSON.stringify(figures));
connection.closeSync();
instance.closeSync();
