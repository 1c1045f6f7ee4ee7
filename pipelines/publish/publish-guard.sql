-- The publish guard: every figure of seeds/publish_guards.csv in the new build beside the published
-- marts (attached read-only as `published`), for each closed month of kpi_monthly (a month before
-- the as-of month of both builds, present in both) and for the headline row of kpi_overview.
-- A figure moved when it changed by more than its limit in that direction: a relative limit is a
-- share of the published value (0.02: 2%), a points limit a difference of two shares (0.02: 2
-- percentage points); an empty limit never holds. change is NULL for a rise or fall from 0 (any
-- limit holds it). files: the files loaded since the marts were last published, which brought
-- the change.
with

guards as (select * from seeds.publish_guards),

published_marts as (select * from ops.published where target = 'marts'),

loaded_files as (select * from ops.loaded_files),

as_of as (
  select least(after.as_of_date, before.as_of_date) as as_of_date
  from marts.kpi_overview as after
  cross join published.marts.kpi_overview as before
),

closed_months as (
  select 'kpi_monthly' as mart, after.month, to_json(before) as before_figures, to_json(after) as after_figures
  from marts.kpi_monthly as after
  inner join published.marts.kpi_monthly as before on before.month = after.month
  cross join as_of
  where after.month < date_trunc('month', as_of.as_of_date)
),

headline as (
  select 'kpi_overview' as mart, null::date as month, to_json(before) as before_figures, to_json(after) as after_figures
  from marts.kpi_overview as after
  cross join published.marts.kpi_overview as before
),

figures as (
  select
    guards.mart,
    guards.figure,
    compared.month,
    (compared.before_figures ->> guards.figure)::double as before_value,
    (compared.after_figures ->> guards.figure)::double as after_value,
    guards.unit,
    guards.max_fall,
    guards.max_rise
  from guards
  inner join (select * from closed_months union all select * from headline) as compared on compared.mart = guards.mart
),

changes as (
  select
    *,
    case
      when unit = 'points' then after_value - before_value
      else (after_value - before_value) / nullif(abs(before_value), 0)
    end as change,
    case when after_value > before_value then 'rise' else 'fall' end as direction,
    case when after_value > before_value then max_rise else max_fall end as threshold
  from figures
  where before_value is not null and after_value is not null
),

judged as (
  select *, after_value <> before_value and threshold < coalesce(abs(change), 'infinity'::double) as moved
  from changes
),

files_since as (
  select regexp_extract(min(path), '[^/\\]+$') as file_name, min(run_id) as run_id, min(file_id) as file_id
  from loaded_files
  where run_id > coalesce((select max(run_id) from published_marts), 0)
  group by content_hash
),

shown as (
  select
    *,
    case
      when unit = 'points' then format('{:.1f}%', before_value * 100)
      else regexp_replace(format('{:.2f}', before_value), '\.00$', '')
    end as before_shown,
    case
      when unit = 'points' then format('{:.1f}%', after_value * 100)
      else regexp_replace(format('{:.2f}', after_value), '\.00$', '')
    end as after_shown,
    case when unit = 'points' then format('{:g} points', threshold * 100) else format('{:g}%', threshold * 100) end as threshold_shown
  from judged
),

final as (
  select
    mart,
    figure,
    month,
    before_value,
    after_value,
    change,
    unit,
    threshold,
    moved,
    figure || coalesce(' of ' || strftime(month, '%Y-%m'), '')
    || case direction when 'rise' then ' rose ' else ' fell ' end
    || case
      when change is null then 'from 0'
      when unit = 'points' then format('{:.1f} points', abs(change) * 100)
      else format('{:.1f}%', abs(change) * 100)
    end
    || ' (' || before_shown || ' → ' || after_shown || '; '
    || case when threshold = 0 then 'any ' || direction else 'more than ' || threshold_shown end || ' holds)' as summary,
    (select string_agg(file_name || ' (run ' || run_id || ')', ', ' order by file_id) from files_since) as files
  from shown
)

select * from final
