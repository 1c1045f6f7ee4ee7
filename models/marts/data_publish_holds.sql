-- The publish guard's record (Data page): every figure that moved beyond its limit in
-- seeds/publish_guards.csv since the marts published before, by run: held (the previous marts and
-- site stood) or accepted (published with refresh --accept-changes), by how much, and the files
-- loaded since that publish. A held run shows here once a later run publishes. period: the closed
-- month, or headline for the Overview's figures. The last 200 rows. action_label labels the
-- action (seeds/code_labels.csv).
-- grain: run_id, mart, figure, period
-- materialized: view
-- tests: not_null(action, summary, recorded_at)
with

publish_holds as (select * from ops.publish_holds),

code_labels as (select * from intermediate.int_code_labels where code_set = 'publish_action'),

final as (
  select
    publish_holds.run_id,
    publish_holds.action,
    coalesce(code_labels.label, publish_holds.action) as action_label,
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
  left join code_labels on code_labels.code = publish_holds.action
  order by run_id desc nulls last, mart, figure, period
  limit 200
)

select * from final
