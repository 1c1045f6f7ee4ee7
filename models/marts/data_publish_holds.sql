-- The publish guard's record (Data page): every figure that moved beyond its limit in
-- seeds/publish_guards.csv since the marts published before, by run: held (the previous marts and
-- site stood) or accepted (published with refresh --accept-changes), by how much, and the files
-- loaded since that publish. A held run shows here once a later run publishes. period: the closed
-- month, or headline for the Overview's figures. The last 200 rows.
-- grain: run_id, mart, figure, period
-- materialized: view
-- tests: not_null(action, summary, recorded_at)
with

publish_holds as (select * from ops.publish_holds),

final as (
  select
    run_id,
    action,
    mart,
    figure,
    coalesce(strftime(month, '%Y-%m'), 'headline') as period,
    before_value,
    after_value,
    change,
    unit,
    threshold,
    summary,
    files,
    recorded_at
  from publish_holds
  order by run_id desc, mart, figure, period
  limit 200
)

select * from final
