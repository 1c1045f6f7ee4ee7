-- How current the published numbers are (Overview and Data pages): the as-of date of every metric,
-- the newest order placed in the data (intermediate.int_newest_order, as the refresh's freshness
-- check reads it), and the run that published them with its start.
-- grain: run_id
-- materialized: view
-- tests: not_null(as_of_date)
with

as_of as (select * from intermediate.int_as_of_date_resolved),

newest_order as (select * from intermediate.int_newest_order),

runs as (select * from ops.runs),

-- Publishing happens in the newest run: the view is read when the marts are published.
publishing_run as (
  select run_id, started_at as refreshed_at
  from runs
  order by run_id desc nulls last
  limit 1
),

final as (
  select
    as_of.as_of_date,
    publishing_run.refreshed_at,
    publishing_run.run_id,
    newest_order.newest_order_at
  from as_of
  cross join publishing_run
  left join newest_order on true
)

select * from final
