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

-- The figures a rule can name: kpi_monthly's columns, as one row of zeros turned into rows.
known_metrics as (
  unpivot (
    select coalesce(columns(* exclude (month, month_complete))::double, 0)
    from (select complete_months.* from (select 1) as one left join complete_months on false)
  )
  on columns(*)
  into name metric value value
),

-- A misspelt metric would never alert: refused, so that a rule is never silently off.
refused_rules as (
  select error(format(
    'seeds/alert_rules.csv: metric ''{}'' with unit ''{}'' is not a figure of marts.kpi_monthly in yuan, count or share; name one of its columns and one of those units',
    left(metric, 200), left(unit, 200)
  )) as refusal
  from rules
  where unit not in ('yuan', 'count', 'share') or metric not in (select metric from known_metrics)
),

last_month as (select max(month) as month from complete_months),

-- Every figure of a month as a row; a rule names its metric by the column.
monthly_values as (
  unpivot (select month, columns(* exclude (month, month_complete))::double from complete_months)
  on columns(* exclude month)
  into name metric value value
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
    and monthly_values.month >= last_month.month - to_months(rules.window_months)
    and monthly_values.month < last_month.month
),

window_medians as (
  select metric, median(value) as usual_median, count(*) as window_months_found
  from window_values
  group by metric
),

window_mads as (
  select window_values.metric, median(abs(window_values.value - window_medians.usual_median)) as usual_mad
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

-- How status and the run log say it: ¥ rounded to the yuan, counts with separators, shares in %.
shown as (
  select
    *,
    case unit
      when 'yuan' then '¥' || format('{:,.0f}', value)
      when 'share' then format('{:.1f}%', value * 100)
      else format('{:,.0f}', value)
    end as value_text,
    case unit
      when 'yuan' then '¥' || format('{:,.0f}', usual_low) || '–¥' || format('{:,.0f}', usual_high)
      when 'share' then format('{:.1f}%', usual_low * 100) || '–' || format('{:.1f}%', usual_high * 100)
      else format('{:,.0f}', usual_low) || '–' || format('{:,.0f}', usual_high)
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
    case when direction is not null then
      format('{} {} {} its usual {} ({} months'' median ± {:g} MADs)', label_en, value_text, direction, usual_text, window_months_found, mads)
    end as summary,
    value_text,
    usual_text
  from shown
  where (select count(refusal) from refused_rules) = 0
)

select * from final
