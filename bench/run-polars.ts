import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { DataframeMarts, Row } from './dataframe-marts.js';
import { inputFiles } from './input-files.js';

// The dataframe alternative a Node user would reach for: marts.kpi_monthly,
// marts.repurchase_ladder, marts.cohort_retention, marts.rfm_segments and the RFM cells of
// marts.member_rfm, computed with nodejs-polars from the same canonical CSV files, following
// docs/metrics.md as the models do:
// - every orders*.csv and members*.csv in load order (file names sorted); an order in its latest
//   state (rows ranked by updated_at, a row with one first, then the later file, then the later
//   line; the top row's member, creation time, status and amount, and a payment time or refund
//   the top row leaves empty from the highest-ranked row that has one); a member's latest profile;
// - times written with an offset ('Z', +08:00) are instants shown in shop_time_zone, others are
//   shop time;
// - a purchase has a purchase status (seeds/order_statuses.csv, shop texts mapped by
//   seeds/order_status_aliases.csv) and a net value (paid − refunded) above zero, or with
//   zero_value_purchases is an unrefunded ¥0 order; one occasion per member and shop day of
//   coalesce(paid_at, created_at), or per order (purchase_grain); parameters from
//   seeds/parameters.csv (rfm_method = quintile only).
// Money is summed in integer cents. Money per order, buyer or member is a DECIMAL(18, 2) in the
// marts, rounded as DuckDB rounds it (see decimal2). Polars does the per-row and per-member work;
// the month-by-month assembly of a few hundred aggregated rows is plain TypeScript.
// tsx bench/run-polars.ts INPUT_DIR SEEDS_DIR OUT_JSON (INPUT_DIR holds the orders and members files)
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
const statusAliases = new Map(seed('order_status_aliases').map((row) => [row.status_text, row.status]));
const zeroValuePurchases = parameters.zero_value_purchases === 'true';
const maturityDays = Number(parameters.maturity_days);
const ladderSteps = Number(parameters.ladder_steps);
const lookbackDays = Number(parameters.rfm_lookback_days);
const repurchaseWindowDays = Number(parameters.repurchase_window_days);
const minRateMembers = Number(parameters.min_rate_members || 0);

const dayMs = 86_400_000;
// Shop wall-clock times, labelled UTC: nodejs-polars cannot drop a time zone, and UTC keeps the wall
// clock when cast to a date. Fractions of a second are kept, as DuckDB reads them.
const shopTime = (name: string) => {
  const text = col(name).str.replace(' ', 'T', true);
  return pl
    .when(text.str.contains(/(Z|[+-]\d{2}(:?\d{2})?)$/))
    .then(text.str.strptime(pl.Datetime, '%Y-%m-%dT%H:%M:%S%.f%#z').dt.convertTimeZone(parameters.shop_time_zone).dt.replaceTimeZone('UTC'))
    .otherwise(text.str.strptime(pl.Datetime, '%Y-%m-%dT%H:%M:%S%.f').dt.replaceTimeZone('UTC'))
    .alias(name);
};
const epochDay = (expr: any) => expr.cast(pl.Date).cast(pl.Int32);
const monthIndex = (expr: any) => expr.dt.year().cast(pl.Int32).mul(12).add(expr.dt.month().cast(pl.Int32)).sub(1);
const monthOfEpochDay = (name: string) => monthIndex(col(name).cast(pl.Date));
const cents = (name: string) => col(name).cast(pl.Float64).mul(100).round(0).cast(pl.Int64);

// Every file of a raw table in load order, with the file's place and each row's line; a column no
// file has (updated_at before any status update was delivered) is there, empty.
function tableRows(table: string, columns: string[]) {
  const rows = pl.concat(
    inputFiles(inputDir!)
      .filter((file) => file.table === table)
      .map(({ path }, index) => pl.scanCSV(path, { inferSchemaLength: 0, rowIndexName: 'line' }).withColumns(lit(index).alias('file'))),
    { how: 'diagonal' },
  );
  const missing = columns.filter((name) => !rows.columns.includes(name));
  return missing.length === 0 ? rows : rows.withColumns(...missing.map((name) => lit(null).cast(pl.Utf8).alias(name)));
}

const trimmedStatus = col('status').str.strip();
const paid = cents('paid_amount');
const refunded = cents('refund_amount').fillNull(0);
const orders = tableRows('orders', ['paid_at', 'refund_amount', 'updated_at'])
  .withColumns(shopTime('updated_at'))
  .sort(['updated_at', 'file', 'line'], true, true)
  .groupBy('order_id')
  .agg(
    ...['member_id', 'created_at', 'status', 'paid_amount'].map((name) => col(name).first()),
    ...['paid_at', 'refund_amount'].map((name) => col(name).dropNulls().first()),
  )
  .withColumns(shopTime('created_at'), shopTime('paid_at'))
  .select(
    col('order_id'),
    col('member_id'),
    col('paid_at').fillNull(col('created_at')).alias('purchased_at'),
    epochDay(col('created_at')).alias('created_day'),
    pl
      .when(trimmedStatus.isIn([...statusAliases.keys()]))
      .then(trimmedStatus.replace([...statusAliases.keys()], [...statusAliases.values()]))
      .otherwise(trimmedStatus.str.toLowerCase())
      .isIn(purchaseStatuses)
      .and(
        paid
          .sub(refunded)
          .gt(0)
          .or(lit(zeroValuePurchases).and(paid.eq(0)).and(refunded.eq(0))),
      )
      .alias('is_purchase'),
    paid.sub(refunded).alias('net_cents'),
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

// occasions is in member and occasion order: the row `offset` ahead is the member's occasion that
// many later, if it is the same member's.
const dayAhead = (offset: number) =>
  pl
    .when(col('member_id').shift(-offset).eq(col('member_id')))
    .then(col('day').shift(-offset))
    .otherwise(lit(null));

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
// A DOUBLE cast to DECIMAL(18, 2) as DuckDB casts it: the cents rounded half away from zero. The
// marts' money per order, buyer or member is such a cast of a DOUBLE quotient (DuckDB divides a
// DECIMAL in DOUBLE), so it is reproduced from the same quotient, not from exact cents: 0.29 / 2 is
// 0.145 exactly and 0.15 rounded, but 0.14 in the marts.
const decimal2 = (value: number | null) => (value === null ? null : (Math.sign(value) * Math.round(Math.abs(value) * 100)) / 100);

// repurchase_rate_12m at each month end e (the as-of date in the as-of month): among members with an
// occasion in (e − W, e], the share with two or more. A member's latest occasion up to e is the one
// of day d for e in [d, next occasion's day): the member counts for e in [d, min(next day, d + W)),
// and as a repeater for e in [next day, min(the day after it, d + W)), when the occasion before the
// latest is in the window. These spells do not overlap within a member, so the members counted at a
// month end are the spells begun by it less those ended by it.
function trailingWindowChanges(): Map<string, Row> {
  const spells = occasions
    .lazy()
    .select(
      col('day').alias('member_from'),
      pl.minHorizontal([dayAhead(1), col('day').add(repurchaseWindowDays)]).alias('member_until'),
      dayAhead(1).alias('repeater_from'),
      pl.minHorizontal([dayAhead(2), col('day').add(repurchaseWindowDays)]).alias('repeater_until'),
    );
  const changes = (kind: string) => {
    const [from, until] = [col(`${kind}_from`), col(`${kind}_until`)];
    const spell = spells.filter(from.lt(until));
    return [
      spell.select(monthOfEpochDay(`${kind}_from`).alias('month'), lit(kind).alias('kind'), lit(1).alias('change')),
      spell
        .filter(until.ltEq(asOf))
        .select(monthOfEpochDay(`${kind}_until`).alias('month'), lit(kind).alias('kind'), lit(-1).alias('change')),
    ];
  };
  return byKey(
    records(
      pl
        .concat([...changes('member'), ...changes('repeater')])
        .groupBy(['month', 'kind'])
        .agg(col('change').sum())
        .collectSync(),
    ),
    'month',
    'kind',
  );
}

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
  const trailingWindow = trailingWindowChanges();
  const members = tableRows('members', ['joined_at'])
    .sort(['file', 'line'])
    .unique({ subset: ['member_id'], keep: 'last', maintainOrder: false })
    .select(col('member_id'), epochDay(shopTime('joined_at')).alias('seen_day'))
    .filter(col('seen_day').isNotNull());
  const firstSeen = records(
    pl
      .concat([members, orders.lazy().select(col('member_id'), col('created_day').alias('seen_day'))])
      .filter(col('seen_day').ltEq(asOf))
      .groupBy('member_id')
      .agg(col('seen_day').min().alias('first_seen_day'))
      .groupBy(monthOfEpochDay('first_seen_day').alias('month'))
      .agg(pl.len().alias('members'))
      .collectSync(),
  );
  const firstMonth = Number(firsts.getColumn('first_month').min());
  const rows: Row[] = [];
  const trailing = { members: 0, repeaters: 0 };
  for (let month = firstMonth; month <= asOfMonth; month++) {
    const buyer = buyers.get(String(month));
    const matured = secondPurchases.get(String(month));
    const revenue = yuan(buyer?.revenue);
    trailing.members += Number(trailingWindow.get(`${month}|member`)?.change ?? 0);
    trailing.repeaters += Number(trailingWindow.get(`${month}|repeater`)?.change ?? 0);
    rows.push({
      month: isoDay(dayOfMonth(month)),
      month_complete: dayOfMonth(month + 1) - 1 <= asOf,
      buyers: buyer?.buyers ?? 0,
      new_buyers: buyer?.new_buyers ?? 0,
      returning_buyers: buyer?.returning_buyers ?? 0,
      revenue: revenue ?? 0,
      purchases: purchases.get(String(month))?.purchases ?? 0,
      aov: decimal2(ratio(revenue, purchases.get(String(month))?.purchases)),
      revenue_per_buyer: decimal2(ratio(revenue, buyer?.buyers)),
      repurchase_rate: ratio(buyer?.repeat_buyers, buyer?.buyers),
      repurchase_rate_12m: ratio(trailing.repeaters, trailing.members),
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
  const steps = occasions
    .lazy()
    .withColumns(dayAhead(1).sub(col('day')).alias('days_to_next'))
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
  const variantLabels = new Map(
    seed('code_labels')
      .filter((label) => label.code_set === 'ladder_variant')
      .map((label) => [label.code, `${label.label_zh} ${label.label_en}`]),
  );
  return Object.entries(variants).flatMap(([variant, counts]) =>
    Array.from({ length: ladderSteps }, (_, index) => {
      const step = index + 1;
      const reached = counts.get(String(step));
      return {
        variant,
        variant_label: variantLabels.get(variant) ?? variant,
        step_n: step,
        step_label: step === ladderSteps ? `${step}+` : String(step),
        reached_n: reached?.reached_n ?? 0,
        reached_next: reached?.reached_next ?? 0,
        // A rate over fewer than min_rate_members is no finding: NULL, as in the models.
        conversion: Number(reached?.reached_n ?? 0) >= minRateMembers ? ratio(reached?.reached_next, reached?.reached_n) : null,
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
      const revenue = yuan(active?.revenue) ?? 0;
      return {
        cohort_month: isoDay(dayOfMonth(cohortMonth)),
        month_offset: offset,
        activity_month: isoDay(dayOfMonth(cohortMonth + offset)),
        is_complete: dayOfMonth(cohortMonth + offset + 1) - 1 <= asOf,
        cohort_size: size,
        active_members: active?.active_members ?? 0,
        active_share: Number(active?.active_members ?? 0) / size,
        repurchased_members: repurchased,
        cumulative_repurchase_share: repurchased / size,
        revenue,
        revenue_per_member: decimal2(revenue / size),
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
      // avg of a DECIMAL divides its sum in cents by count × 100 (in long double, which gives the same cents).
      avg_monetary: decimal2(ratio(segment?.revenue, 100 * Number(segment?.members ?? 0))),
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
