-- The last 200 audience exports (Campaigns page, marketing automation): by hand or for a
-- standing audience of models/audiences/, with what the guards did. matched = members selected;
-- each guard's count is the members it removed, in the order the guards apply (opted out, the
-- rule's own cap, the frequency cap, in cycle); control_rows went to the control file and
-- treatment_rows to the channel file. A failed rule export has status 'failed' and its message.
-- status_label labels the status (seeds/code_labels.csv).
-- grain: export_id
-- materialized: view
-- tests: not_null(campaign_id, status, exported_at); accepted_values(status, 'exported', 'failed')
with

exports as (select * from ops.exports),

code_labels as (select * from intermediate.int_code_labels where code_set = 'export_status'),

final as (
  select
    export_id,
    exported_at,
    rule,
    campaign_id,
    channel,
    sent_at,
    exports.status,
    coalesce(code_labels.label, exports.status) as status_label,
    message,
    regexp_extract(path, '[^/\\]+$') as file_name, -- the page shows names, not server paths
    matched,
    rows,
    rows - control_rows as treatment_rows,
    control_rows,
    json_extract(guards, '$.opted_out')::bigint as opted_out,
    json_extract(guards, '$.rule_cap')::bigint as rule_cap,
    json_extract(guards, '$.frequency_cap')::bigint as frequency_cap,
    json_extract(guards, '$.in_cycle')::bigint as in_cycle,
    json_extract(guards, '$.control_arm_split')::bigint as control_arm_split,
    filters
  from exports
  left join code_labels on code_labels.code = exports.status
  order by export_id desc nulls last
  limit 200
)

select * from final
