-- The last 50 runs of the run log (Data page), with how long each took. Read as the marts are
-- published, the publishing refresh is 'publishing' (every check passed): it shows as succeeded,
-- with its time up to publishing, since the page exists only if it publishes.
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
    case status when 'publishing' then 'succeeded' else status end as status,
    message,
    date_diff('millisecond', started_at, finished_at) / 1000 as seconds
  from runs
  order by run_id desc
  limit 50
)

select * from final
