-- The last 50 runs of the run log (Data page), with how long each took.
-- grain: run_id
-- materialized: view
-- tests: not_null(command, status, started_at)
with

runs as (select * from ops.runs),

final as (
  select
    run_id,
    command,
    started_at,
    finished_at,
    status,
    message,
    date_diff('millisecond', started_at, finished_at) / 1000 as seconds
  from runs
  order by run_id desc
  limit 50
)

select * from final
