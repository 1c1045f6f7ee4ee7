-- Progress toward the targets of seeds/targets.csv (month, metric, target; header only = no targets,
-- no rows). Per month begun and metric with a target: the actual over the month's days up to the
-- as-of date, progress = actual / target (for repurchase_rate, the rate against the target rate),
-- whether the month is complete, and months_ago (0 the as-of month, 1 the month before it). For the
-- partial as-of month, the same figure over the same days of the month before (days 1..d; all of it
-- when the month before has fewer days) and the change, as a ratio (this / that − 1) for amounts
-- and in points (this − that) for the rate.
-- Metrics as kpi_monthly: revenue (销售额), buyers (成交人数), repurchase_rate (月内复购率: buyers
-- with 2+ occasions in the days / buyers), new_buyers (new buyers: first occasion in the days).
-- metric_label (中文 English) is code set target_metric of seeds/code_labels.csv. A month written
-- on another day than the 1st counts as its month. The figures are DOUBLE: one column holds money,
-- counts and a rate.
-- grain: month, metric
-- tests: not_null(target, month_complete, months_ago, as_of_day, metric_label)
with

targets as (select * from seeds.targets),

occasions as (select * from intermediate.int_purchase_occasions),

first_purchases as (select * from intermediate.int_member_first_purchases),

as_of as (select * from intermediate.int_as_of_date_resolved),

code_labels as (select * from intermediate.int_code_labels where code_set = 'target_metric'),

target_months as (
  select distinct
    date_trunc('month', targets.month)::date as month,
    last_day(targets.month) <= as_of.as_of_date as month_complete,
    date_diff('month', targets.month, as_of.as_of_date)::integer as months_ago,
    (least(last_day(targets.month), as_of.as_of_date) - date_trunc('month', targets.month)::date + 1)::integer as as_of_day
  from targets
  cross join as_of
  where date_trunc('month', targets.month) <= as_of.as_of_date
),

-- The days each figure counts: the month up to the as-of date, and for the partial month the same
-- days of the month before.
day_spans as (
  select month, 'actual' as span, month as from_day, month + as_of_day - 1 as to_day
  from target_months
  union all
  select
    month,
    'same_days_before' as span,
    (month - interval '1 month')::date as from_day,
    least((month - interval '1 month')::date + as_of_day - 1, month - 1) as to_day
  from target_months
  where not month_complete
),

buyer_spans as (
  select
    day_spans.month,
    day_spans.span,
    occasions.member_id,
    count(*) as occasions,
    sum(occasions.revenue) as revenue,
    bool_or(first_purchases.first_date >= day_spans.from_day) as is_new
  from day_spans
  inner join occasions on occasions.occasion_date between day_spans.from_day and day_spans.to_day
  inner join first_purchases on first_purchases.member_id = occasions.member_id
  group by 1, 2, 3
),

span_figures as (
  select
    day_spans.month,
    day_spans.span,
    coalesce(sum(buyer_spans.revenue), 0)::float8 as revenue,
    count(buyer_spans.member_id)::float8 as buyers,
    count(buyer_spans.member_id) filter (where buyer_spans.occasions >= 2)::float8 / nullif(count(buyer_spans.member_id), 0) as repurchase_rate,
    count(buyer_spans.member_id) filter (where buyer_spans.is_new)::float8 as new_buyers
  from day_spans
  left join buyer_spans on buyer_spans.month = day_spans.month and buyer_spans.span = day_spans.span
  group by 1, 2
),

span_metrics as (
  select span_figures.month, span_figures.span, metrics.metric, metrics.figure
  from span_figures
  cross join lateral (
    values
      ('revenue', span_figures.revenue),
      ('buyers', span_figures.buyers),
      ('repurchase_rate', span_figures.repurchase_rate),
      ('new_buyers', span_figures.new_buyers)
  ) as metrics (metric, figure)
),

final as (
  select
    target_months.month,
    targets.metric,
    code_labels.label as metric_label,
    targets.target,
    actual.figure as actual,
    actual.figure::float8 / nullif(targets.target, 0) as progress,
    target_months.month_complete,
    target_months.months_ago,
    target_months.as_of_day,
    same_days_before.figure as same_days_before,
    case
      when targets.metric = 'repurchase_rate' then actual.figure - same_days_before.figure
      else actual.figure::float8 / nullif(same_days_before.figure, 0) - 1
    end as same_days_change
  from targets
  inner join target_months on target_months.month = date_trunc('month', targets.month)
  inner join span_metrics as actual
    on actual.month = target_months.month and actual.span = 'actual' and actual.metric = targets.metric
  left join code_labels on code_labels.code = targets.metric
  left join span_metrics as same_days_before
    on same_days_before.month = target_months.month and same_days_before.span = 'same_days_before' and same_days_before.metric = targets.metric
)

select * from final
