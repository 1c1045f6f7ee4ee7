import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { DataframeMarts, Row } from './dataframe-marts.js';

// The dataframe alternative a Node user would reach for: marts.kpi_monthly,
// marts.repurchase_ladder, marts.cohort_retention, marts.rfm_segments and the RFM cells of
// marts.member_rfm, computed with nodejs-polars from the same canonical CSV files, following
// docs/metrics.md as the models do: latest row per order, purchase statuses from
// seeds/order_statuses.csv, net of refunds, one occasion per member and shop day of
// coalesce(paid_at, created_at), parameters from seeds/parameters.csv. Money is summed in cents.
// Polars does the per-row and per-member work; the month-by-month assembly of a few hundred
// aggregated rows is plain TypeScript.
// tsx bench/run-polars.ts INPUT_DIR SEEDS_DIR OUT_JSON (INPUT_DIR holds orders.csv and members.csv)
const [inputDir, seedsDir, out] = process.argv.slice(2);
if (!inputDir || !seedsDir || !out) throw new Error('usage: run-polars.ts INPUT_DIR SEEDS_DIR OUT_JSON');

// Installed by npm run bench into bench/node_modules, not a dependency of the warehouse.
const pl = createRequire(new URL('./package.json', import.meta.url))('nodejs-polars');
const { col, lit } = pl;

const seedFrame = (name: string) => pl.readCSV(join(seedsDir, `${name}.csv`), { inferSchemaLength: 0 });
const seed = (name: string): Array<Record<string, string>> => seedFrame(name).toRecords();
const parameters = Object.fromEntries(seed('parameters').map((row) => [row.name, row.value ?? '']));
if (parameters.rfm_method !== 'quintile') throw new Error(`run-polars.ts implements rfm_method = quintile, not '${parameters.rfm_method}'`);
const purchaseStatuses = seed('order_statuses')
  .filter((row) => row.is_purchase === 'true')
  .map((row) => row.status);
const maturityDays = Number(parameters.maturity_days);
const ladderSteps = Number(parameters.ladder_steps);
const lookbackDays = Number(parameters.rfm_lookback_days);

const dayMs = 86_400_000;
const timestamp = (name: string) => col(name).str.strptime(pl.Datetime, '%Y-%m-%d %H:%M:%S');
const epochDay = (expr: any) => expr.cast(pl.Date).cast(pl.Int32);
const monthIndex = (expr: any) => expr.dt.year().cast(pl.Int32).mul(12).add(expr.dt.month().cast(pl.Int32)).sub(1);
const cents = (name: string) => col(name).cast(pl.Float64).mul(100).round(0).cast(pl.Int64);
const latestRows = (file: string, key: string) =>
  pl
    .scanCSV(join(inputDir, file), { inferSchemaLength: 0, rowIndexName: 'line' })
    .sort('line')
    .unique({ subset: [key], keep: 'last', maintainOrder: false });

const orders = latestRows('orders.csv', 'order_id')
  .select(
    col('order_id'),
    col('member_id'),
    timestamp('paid_at').fillNull(timestamp('created_at')).alias('purchased_at'),
    epochDay(timestamp('created_at')).alias('created_day'),
    col('status').str.strip().str.toLowerCase().isIn(purchaseStatuses).alias('is_purchase'),
    cents('paid_amount').sub(cents('refund_amount').fillNull(0)).alias('net_cents'),
  )
  .collectSync();

const asOf: number = parameters.as_of_date
  ? Date.parse(parameters.as_of_date) / dayMs
  : Number(
      orders
        .lazy()
        .filter(col('is_purchase'))
        .select(epochDay(col('purchased_at')).max().alias('day'))
        .collectSync()
        .getColumn('day')
        .toArray()[0],
    );
const monthOfDay = (day: number) => {
  const date = new Date(day * dayMs);
  return date.getUTCFullYear() * 12 + date.getUTCMonth();
};
const dayOfMonth = (month: number) => Date.UTC(Math.floor(month / 12), month % 12, 1) / dayMs;
const isoDay = (day: number) => new Date(day * dayMs).toISOString().slice(0, 10);
const asOfMonth = monthOfDay(asOf);

const occasions = orders
  .lazy()
  .filter(col('is_purchase'))
  .groupBy(['member_id', (parameters.purchase_grain === 'order' ? col('order_id') : epochDay(col('purchased_at'))).alias('occasion_key')])
  .agg(col('purchased_at').min().alias('occasion_at'), col('net_cents').sum().alias('revenue'))
  .sort(['member_id', 'occasion_at', 'occasion_key'])
  .withRowIndex('row')
  // Numbered within each member from the member's first row (a window over members is slower).
  .withColumns(
    pl
      .when(col('member_id').shift(1).eq(col('member_id')))
      .then(lit(null))
      .otherwise(col('row'))
      .forwardFill()
      .alias('first_row'),
  )
  .select(
    col('member_id'),
    col('row').sub(col('first_row')).add(1).alias('occasion_number'),
    epochDay(col('occasion_at')).alias('day'),
    monthIndex(col('occasion_at')).alias('month'),
    col('revenue'),
  )
  .filter(col('day').ltEq(asOf))
  .collectSync();

const firsts = occasions
  .lazy()
  .groupBy('member_id')
  .agg(
    col('day').filter(col('occasion_number').eq(1)).min().alias('first_day'),
    col('month').filter(col('occasion_number').eq(1)).min().alias('first_month'),
    col('day').filter(col('occasion_number').eq(2)).min().alias('second_day'),
    col('month').filter(col('occasion_number').eq(2)).min().alias('second_month'),
  )
  .collectSync();

const records = (frame: any): Row[] =>
  frame
    .toRecords()
    .map((row: Row) =>
      Object.fromEntries(Object.entries(row).map(([key, value]) => [key, typeof value === 'bigint' ? Number(value) : value])),
    );
const byKey = (rows: Row[], ...keys: string[]) => new Map(rows.map((row) => [keys.map((key) => row[key]).join('|'), row]));
const ratio = (part: unknown, whole: unknown) => (part === undefined || part === null || !whole ? null : Number(part) / Number(whole));
const yuan = (value: unknown) => (value === undefined || value === null ? null : Number(value) / 100);

function kpiMonthly(): Row[] {
  const buyers = byKey(
    records(
      occasions
        .lazy()
        .groupBy(['member_id', 'month'])
        .agg(pl.len().alias('occasions'), col('revenue').sum().alias('revenue'))
        .join(firsts.lazy(), { on: 'member_id' })
        .withColumns(col('first_month').lt(col('month')).alias('is_returning'))
        .groupBy('month')
        .agg(
          pl.len().alias('buyers'),
          col('is_returning').not().sum().alias('new_buyers'),
          col('is_returning').sum().alias('returning_buyers'),
          col('occasions').gtEq(2).sum().alias('repeat_buyers'),
          col('revenue').sum().alias('revenue'),
          col('revenue').filter(col('is_returning')).sum().alias('returning_revenue'),
        )
        .collectSync(),
    ),
    'month',
  );
  const purchases = byKey(
    records(
      orders
        .lazy()
        .filter(col('is_purchase').and(epochDay(col('purchased_at')).ltEq(asOf)))
        .groupBy(monthIndex(col('purchased_at')).alias('month'))
        .agg(pl.len().alias('purchases'))
        .collectSync(),
    ),
    'month',
  );
  const secondPurchases = byKey(
    records(
      firsts
        .lazy()
        .filter(col('first_day').ltEq(asOf - maturityDays))
        .groupBy('first_month')
        .agg(
          pl.len().alias('matured_new_buyers'),
          col('second_day').sub(col('first_day')).ltEq(maturityDays).fillNull(false).sum().alias('second_purchasers'),
        )
        .collectSync(),
    ),
    'first_month',
  );
  const members = latestRows('members.csv', 'member_id')
    .select(col('member_id'), epochDay(timestamp('joined_at')).alias('seen_day'))
    .filter(col('seen_day').isNotNull());
  const firstSeen = records(
    pl
      .concat([members, orders.lazy().select(col('member_id'), col('created_day').alias('seen_day'))])
      .filter(col('seen_day').ltEq(asOf))
      .groupBy('member_id')
      .agg(col('seen_day').min().alias('first_seen_day'))
      .groupBy(monthIndex(col('first_seen_day').cast(pl.Date)).alias('month'))
      .agg(pl.len().alias('members'))
      .collectSync(),
  );
  const firstMonth = Number(firsts.getColumn('first_month').min());
  const rows: Row[] = [];
  for (let month = firstMonth; month <= asOfMonth; month++) {
    const buyer = buyers.get(String(month));
    const matured = secondPurchases.get(String(month));
    const revenue = yuan(buyer?.revenue);
    rows.push({
      month: isoDay(dayOfMonth(month)),
      month_complete: dayOfMonth(month + 1) - 1 <= asOf,
      buyers: buyer?.buyers ?? 0,
      new_buyers: buyer?.new_buyers ?? 0,
      returning_buyers: buyer?.returning_buyers ?? 0,
      revenue: revenue ?? 0,
      purchases: purchases.get(String(month))?.purchases ?? 0,
      aov: ratio(revenue, purchases.get(String(month))?.purchases),
      revenue_per_buyer: ratio(revenue, buyer?.buyers),
      repurchase_rate: ratio(buyer?.repeat_buyers, buyer?.buyers),
      returning_buyer_share: ratio(buyer?.returning_buyers, buyer?.buyers),
      returning_revenue_share: ratio(buyer?.returning_revenue, buyer?.revenue),
      returning_revenue: yuan(buyer?.returning_revenue) ?? 0,
      matured_new_buyers: matured?.matured_new_buyers ?? null,
      second_purchasers: matured?.second_purchasers ?? null,
      second_purchase_rate: ratio(matured?.second_purchasers, matured?.matured_new_buyers),
      members_total: firstSeen.filter((row) => Number(row.month) <= month).reduce((sum, row) => sum + Number(row.members), 0),
    });
  }
  return rows;
}

function repurchaseLadder(): Row[] {
  // occasions is in member and occasion order, so the next row is the member's next occasion.
  const steps = occasions
    .lazy()
    .withColumns(
      pl
        .when(col('member_id').shift(-1).eq(col('member_id')))
        .then(col('day').shift(-1).sub(col('day')))
        .otherwise(lit(null))
        .alias('days_to_next'),
    )
    .filter(col('occasion_number').ltEq(ladderSteps));
  const toNext = col('days_to_next').ltEq(maturityDays);
  const variants = {
    naive: byKey(
      records(
        steps
          .groupBy(col('occasion_number').alias('step_n'))
          .agg(
            pl.len().alias('reached_n'),
            col('days_to_next').count().alias('reached_next'),
            col('days_to_next').median().alias('median_days_to_next'),
          )
          .collectSync(),
      ),
      'step_n',
    ),
    matured: byKey(
      records(
        steps
          .filter(lit(asOf).sub(col('day')).gtEq(maturityDays))
          .groupBy(col('occasion_number').alias('step_n'))
          .agg(
            pl.len().alias('reached_n'),
            toNext.fillNull(false).sum().alias('reached_next'),
            col('days_to_next').filter(toNext).median().alias('median_days_to_next'),
          )
          .collectSync(),
      ),
      'step_n',
    ),
  };
  const revenueAt = byKey(
    records(
      occasions
        .lazy()
        .groupBy('member_id')
        .agg(pl.len().alias('occasions'), col('revenue').sum().alias('revenue'))
        .groupBy(col('occasions').clip(1, ladderSteps).alias('step_n'))
        .agg(col('revenue').sum().alias('revenue'))
        .collectSync(),
    ),
    'step_n',
  );
  const totalRevenue = [...revenueAt.values()].reduce((sum, row) => sum + Number(row.revenue), 0);
  return Object.entries(variants).flatMap(([variant, counts]) =>
    Array.from({ length: ladderSteps }, (_, index) => {
      const step = index + 1;
      const reached = counts.get(String(step));
      return {
        variant,
        step_n: step,
        step_label: step === ladderSteps ? `${step}+` : String(step),
        reached_n: reached?.reached_n ?? 0,
        reached_next: reached?.reached_next ?? 0,
        conversion: ratio(reached?.reached_next, reached?.reached_n),
        median_days_to_next: reached?.median_days_to_next ?? null,
        revenue_share_at_n: ratio(revenueAt.get(String(step))?.revenue, totalRevenue) ?? 0,
      };
    }),
  );
}

function cohortRetention(): Row[] {
  const sizes = records(firsts.lazy().groupBy('first_month').agg(pl.len().alias('cohort_size')).sort('first_month').collectSync());
  const activity = byKey(
    records(
      occasions
        .lazy()
        .join(firsts.lazy().select('member_id', 'first_month'), { on: 'member_id' })
        .groupBy(['first_month', 'month'])
        .agg(col('member_id').nUnique().alias('active_members'), col('revenue').sum().alias('revenue'))
        .collectSync(),
    ),
    'first_month',
    'month',
  );
  const seconds = records(
    firsts
      .lazy()
      .filter(col('second_month').isNotNull())
      .groupBy(['first_month', 'second_month'])
      .agg(pl.len().alias('members'))
      .collectSync(),
  );
  return sizes.flatMap((cohort) => {
    const cohortMonth = Number(cohort.first_month);
    const size = Number(cohort.cohort_size);
    return Array.from({ length: asOfMonth - cohortMonth + 1 }, (_, offset) => {
      const active = activity.get(`${cohortMonth}|${cohortMonth + offset}`);
      const repurchased = seconds
        .filter((row) => Number(row.first_month) === cohortMonth && Number(row.second_month) <= cohortMonth + offset)
        .reduce((sum, row) => sum + Number(row.members), 0);
      return {
        cohort_month: isoDay(dayOfMonth(cohortMonth)),
        month_offset: offset,
        activity_month: isoDay(dayOfMonth(cohortMonth + offset)),
        cohort_size: size,
        active_members: active?.active_members ?? 0,
        active_share: Number(active?.active_members ?? 0) / size,
        repurchased_members: repurchased,
        cumulative_repurchase_share: repurchased / size,
        revenue: yuan(active?.revenue) ?? 0,
        revenue_per_member: (yuan(active?.revenue) ?? 0) / size,
      };
    });
  });
}

function rfm(): { segments: Row[]; cells: Row[] } {
  const quintile = (expr: any) =>
    lit(1)
      .add(lit(5).mul(expr.rank('min').cast(pl.Float64).sub(1)).div(pl.len()).floor())
      .cast(pl.Int32);
  const threshold = (name: string) => (parameters.segment_threshold === 'median' ? col(name).median() : col(name).mean());
  const labels = seedFrame('segment_labels')
    .lazy()
    .select(
      'segment',
      'segment_zh',
      col('segment_order').cast(pl.Int32),
      ...['r_high', 'f_high', 'm_high'].map((name) => col(name).eq(lit('true')).alias(name)),
    );
  const scored = occasions
    .lazy()
    .filter(col('day').gt(asOf - lookbackDays))
    .groupBy('member_id')
    .agg(lit(asOf).sub(col('day').max()).alias('recency_days'), pl.len().alias('frequency'), col('revenue').sum().alias('monetary'))
    .withColumns(
      quintile(col('recency_days').mul(-1)).alias('r_score'),
      quintile(col('frequency')).alias('f_score'),
      quintile(col('monetary')).alias('m_score'),
      col('recency_days').lt(threshold('recency_days')).alias('r_high'),
      col('frequency').gt(threshold('frequency')).alias('f_high'),
      col('monetary').gt(threshold('monetary')).alias('m_high'),
    )
    .collectSync();
  const bySegment = byKey(
    records(
      scored
        .lazy()
        .join(labels, { on: ['r_high', 'f_high', 'm_high'] })
        .groupBy('segment')
        .agg(
          pl.len().alias('members'),
          col('monetary').sum().alias('revenue'),
          col('recency_days').mean().alias('avg_recency_days'),
          col('frequency').mean().alias('avg_frequency'),
          col('monetary').mean().alias('avg_monetary'),
        )
        .collectSync(),
    ),
    'segment',
  );
  const totals = { members: scored.height, revenue: Number(scored.getColumn('monetary').sum()) };
  const segments = records(labels.sort('segment_order').collectSync()).map((label) => {
    const segment = bySegment.get(String(label.segment));
    return {
      segment: label.segment,
      segment_zh: label.segment_zh,
      segment_order: label.segment_order,
      members: segment?.members ?? 0,
      share: ratio(segment?.members ?? 0, totals.members),
      revenue: yuan(segment?.revenue) ?? 0,
      revenue_share: ratio(segment?.revenue ?? 0, totals.revenue),
      avg_recency_days: segment?.avg_recency_days ?? null,
      avg_frequency: segment?.avg_frequency ?? null,
      avg_monetary: yuan(segment?.avg_monetary),
    };
  });
  const cells = records(
    scored
      .lazy()
      .groupBy(['r_score', 'f_score', 'm_score'])
      .agg(pl.len().alias('members'), col('monetary').sum().alias('monetary'))
      .sort(['r_score', 'f_score', 'm_score'])
      .collectSync(),
  ).map((row) => ({ ...row, monetary: yuan(row.monetary) }));
  return { segments, cells };
}

const { segments, cells } = rfm();
const marts: DataframeMarts = {
  kpi_monthly: kpiMonthly(),
  repurchase_ladder: repurchaseLadder(),
  cohort_retention: cohortRetention(),
  rfm_segments: segments,
  member_rfm_cells: cells,
};
writeFileSync(out, JSON.stringify(marts));
