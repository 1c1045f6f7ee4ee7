-- Each campaign's two arms as rows, for its page's chart and table: members, responders, response
-- rate and revenue per member of the treatment (_t) and control (_c) columns of
-- marts.campaign_roi. arm_label (中文 English) is code set campaign_arm of seeds/code_labels.csv.
-- grain: campaign_id, arm
-- tests: accepted_values(arm, 'treatment', 'control'); not_null(arm_label, arm_order)
with

campaign_roi as (select * from marts.campaign_roi),

code_labels as (select * from intermediate.int_code_labels where code_set = 'campaign_arm'),

arms as (
  select campaign_id, 'treatment' as arm, treatment_size as members, responders_t as responders, response_rate_t as response_rate, revenue_per_member_t as revenue_per_member
  from campaign_roi
  union all
  select campaign_id, 'control' as arm, control_size as members, responders_c as responders, response_rate_c as response_rate, revenue_per_member_c as revenue_per_member
  from campaign_roi
),

final as (
  select arms.campaign_id, arms.arm, code_labels.label as arm_label, code_labels.code_order as arm_order,
    arms.members, arms.responders, arms.response_rate, arms.revenue_per_member
  from arms
  left join code_labels on code_labels.code = arms.arm
)

select * from final
