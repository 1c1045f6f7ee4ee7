-- Alerts on the headline figures (seeds/alert_rules.csv): for the last complete month of
-- marts.kpi_monthly, each rule's metric against its usual range, the median ± mads × MAD (median
-- absolute deviation) of the window_months complete months before it (not including it). A rule
-- with fewer than min_months of them, or disabled, is not checked. A MAD of 0 (the window's months
-- mostly alike) makes the range the median itself: any other value is an alert. One row per rule,
-- alert false when within the range or not checked, so that "no alerts" can be said.
-- grain: metric
-- tests: unique(metric); not_null(metric, alert, checked)
with

rules as (select * from seeds.alert_rules),

complete_months as (select * from marts.kpi_monthly where month_complete),

-- Every figure of kpi_monthly a rule can name, by month; with no complete month yet, once with no
-- month and no value, so that the names are known before there is a figure.
figures as (
  select complete_months.month, figure.metric, figure.value
  from (select 1 as one) as one
  left join complete_months on true
  cross join lateral (
    values
      ('buyers', complete_months.buyers::float8),
      ('new_buyers', complete_months.new_buyers::float8),
      ('returning_buyers', complete_months.returning_buyers::float8),
      ('revenue', complete_months.revenue::float8),
      ('purchases', complete_months.purchases::float8),
      ('aov', complete_months.aov::float8),
      ('revenue_per_buyer', complete_months.revenue_per_buyer::float8),
      ('repurchase_rate', complete_months.repurchase_rate::float8),
      ('repurchase_rate_12m', complete_months.repurchase_rate_12m::float8),
      ('returning_buyer_share', complete_months.returning_buyer_share::float8),
      ('returning_revenue_share', complete_months.returning_revenue_share::float8),
      ('returning_revenue', complete_months.returning_revenue::float8),
      ('matured_new_buyers', complete_months.matured_new_buyers::float8),
      ('second_purchasers', complete_months.second_purchasers::float8),
      ('second_purchase_rate', complete_months.second_purchase_rate::float8),
      ('members_total', complete_months.members_total::float8)
  ) as figure(metric, value)
),

known_metrics as (select distinct metric from figures),

-- A misspelt metric would never alert: refused, so that a rule is never silently off.
refused_rules as (
  select error(
    'seeds/alert_rules.csv: metric ''' || left(metric, 200) || ''' with unit ''' || left(unit, 200)
    || ''' is not a figure of marts.kpi_monthly in yuan, count or share; name one of its columns and one of those units'
  ) as refusal
  from rules
  where unit not in ('yuan', 'count', 'share') or metric not in (select metric from known_metrics)
),

last_month as (select max(month) as month from complete_months),

-- A month without the figure has no row: it is not one of the window's months found.
monthly_values as (
  select month, metric, value from figures where value is not null
),

current_values as (
  select rules.metric, last_month.month, monthly_values.value
  from rules
  cross join last_month
  left join monthly_values on monthly_values.metric = rules.metric and monthly_values.month = last_month.month
),

window_values as (
  select rules.metric, monthly_values.value
  from rules
  cross join last_month
  inner join monthly_values on monthly_values.metric = rules.metric
    and monthly_values.month >= last_month.month - rules.window_months * interval '1 month'
    and monthly_values.month < last_month.month
),

window_medians as (
  select metric, percentile_cont(0.5) within group (order by value) as usual_median, count(*) as window_months_found
  from window_values
  group by metric
),

window_mads as (
  select
    window_values.metric,
    percentile_cont(0.5) within group (order by abs(window_values.value - window_medians.usual_median)) as usual_mad
  from window_values
  inner join window_medians on window_medians.metric = window_values.metric
  group by window_values.metric
),

ranged as (
  select
    rules.metric,
    rules.label_zh,
    rules.label_en,
    rules.unit,
    rules.window_months,
    rules.mads,
    rules.min_months,
    current_values.month,
    current_values.value,
    coalesce(window_medians.window_months_found, 0) as window_months_found,
    window_medians.usual_median,
    window_mads.usual_mad,
    window_medians.usual_median - rules.mads * window_mads.usual_mad as usual_low,
    window_medians.usual_median + rules.mads * window_mads.usual_mad as usual_high,
    rules.enabled and coalesce(window_medians.window_months_found, 0) >= rules.min_months and current_values.value is not null as checked
  from rules
  left join current_values on current_values.metric = rules.metric
  left join window_medians on window_medians.metric = rules.metric
  left join window_mads on window_mads.metric = rules.metric
),

flagged as (
  select
    *,
    case when not checked then null when value < usual_low then 'below' when value > usual_high then 'above' end as direction
  from ranged
),

-- How status and the run log say it: ¥ rounded to the yuan, counts with separators, shares in %,
-- as figure_text words them; a ¥ figure below 0 keeps its minus after the ¥, and a missing one is NULL.
shown as (
  select
    *,
    case
      when value is null then null
      when unit = 'yuan' then '¥' || figure_text(value, 'count')
      when unit = 'share' then figure_text(value, 'share')
      else figure_text(value, 'count')
    end as value_text,
    case
      when usual_low is null or usual_high is null then null
      when unit = 'yuan' then '¥' || figure_text(usual_low, 'count') || '–¥' || figure_text(usual_high, 'count')
      when unit = 'share' then figure_text(usual_low, 'share') || '–' || figure_text(usual_high, 'share')
      else figure_text(usual_low, 'count') || '–' || figure_text(usual_high, 'count')
    end as usual_text
  from flagged
),

final as (
  select
    metric,
    label_zh || ' ' || label_en as metric_label,
    unit,
    month,
    value,
    window_months,
    mads,
    min_months,
    window_months_found,
    usual_median,
    usual_mad,
    usual_low,
    usual_high,
    checked,
    direction,
    direction is not null as alert,
    -- mads as written (3, 2.5), without trailing zeros: up to six decimals.
    case when direction is not null then
      label_en || ' ' || value_text || ' ' || direction || ' its usual ' || usual_text || ' (' || window_months_found::varchar
      || ' months'' median ± ' || regexp_replace(mads::decimal(38, 6)::varchar, '\.?0+$', '') || ' MADs)'
    end as summary,
    value_text,
    usual_text
  from shown
  where (select count(refusal) from refused_rules) = 0
)

select * from final
