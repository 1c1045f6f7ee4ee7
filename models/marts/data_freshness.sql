-- How current the published numbers are (Overview and Data pages): the as-of date of every metric,
-- the newest purchase time in the data, and the run that published them with its start.
-- grain: run_id
-- materialized: view
-- tests: not_null(as_of_date)
with

as_of as (select * from intermediate.int_as_of_date_resolved),

orders as (select * from staging.stg_orders),

runs as (select * from ops.runs),

-- Publishing happens in the newest run: the view is read when the marts are published.
publishing_run as (
  select run_id, started_at as refreshed_at
  from runs
  order by run_id desc
  limit 1
),

final as (
  select
    as_of.as_of_date,
    publishing_run.refreshed_at,
    publishing_run.run_id,
    (select max(purchased_at) from orders) as newest_purchase_at
  from as_of
  cross join publishing_run
)

select * from final
