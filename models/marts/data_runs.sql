-- The last 50 runs of the run log (Data page), with how long each took. Read as the marts are
-- published, the publishing refresh is 'publishing' (every check passed): it shows as succeeded,
-- since the page exists only if it publishes. seconds_to_publish: from the start of a refresh to
-- the moment its checks passed and its marts were copied for publishing, for a run that published
-- (`status` shows the same figure). total_seconds: start to end, empty for the publishing run,
-- which goes on to build the site and export audiences after these figures were copied.
-- command_label and status_label label them (seeds/code_labels.csv). message: the run log's
-- first line only.
-- grain: run_id
-- materialized: view
-- tests: not_null(command, status, started_at)
with

runs as (select * from ops.runs),

publishing as (select * from ops.run_publishing),

code_labels as (select * from intermediate.int_code_labels),

final as (
  select
    runs.run_id,
    runs.command,
    runs.started_at,
    runs.finished_at,
    case runs.status when 'publishing' then 'succeeded' else runs.status end as status,
    coalesce(command_labels.label, runs.command) as command_label,
    coalesce(status_labels.label, runs.status) as status_label,
    -- The first line: a failure's cause; the rest (a build's log tail) names server paths and belongs to the operator.
    split_part(runs.message, chr(10), 1) as message,
    case when runs.status in ('publishing', 'succeeded') then date_diff('millisecond', runs.started_at, publishing.publishing_at)::float8 / 1000 end
      as seconds_to_publish,
    case when runs.status <> 'publishing' then date_diff('millisecond', runs.started_at, runs.finished_at)::float8 / 1000 end as total_seconds
  from runs
  left join publishing on publishing.run_id = runs.run_id
  left join code_labels as command_labels on command_labels.code_set = 'run_command' and command_labels.code = runs.command
  left join code_labels as status_labels
    on status_labels.code_set = 'run_status' and status_labels.code = case runs.status when 'publishing' then 'succeeded' else runs.status end
  order by runs.run_id desc nulls last
  limit 50
)

select * from final
