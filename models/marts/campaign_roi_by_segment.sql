-- Each campaign's treatment and control compared within the lifecycle stage, the RFM segment and
-- the member level members were in when it was sent (see intermediate.int_campaign_arms_compared:
-- lift, its Newcombe interval and incremental revenue are NULL until the campaign's window is
-- complete; its interval, revenue lift and minimum detectable lift as there), with Chinese names.
-- grain: campaign_id, dimension, segment
-- tests: accepted_values(dimension, 'lifecycle_stage', 'rfm_segment', 'member_level'); not_null(segment_zh, treatment_size, control_size, attributed_revenue, control_revenue)
with

arms as (select * from intermediate.int_campaign_arms_compared),

stages as (select * from seeds.lifecycle_stages),

segment_labels as (select * from seeds.segment_labels),

levels as (select * from seeds.member_levels),

labels as (
  select 'lifecycle_stage' as dimension, stage as segment, stage_zh as segment_zh, stage_order as segment_order from stages
  union all
  select 'rfm_segment' as dimension, segment, segment_zh, segment_order from segment_labels
  union all
  select 'rfm_segment' as dimension, 'unscored' as segment, '未评分' as segment_zh, 9 as segment_order
  union all
  select 'member_level' as dimension, level as segment, level_zh as segment_zh, level_rank as segment_order from levels
),

final as (
  select
    arms.campaign_id,
    arms.dimension,
    arms.segment,
    labels.segment_zh,
    labels.segment_order,
    arms.treatment_size,
    arms.control_size,
    arms.responders_t,
    arms.responders_c,
    arms.response_rate_t,
    arms.response_rate_c,
    arms.lift,
    arms.lift_ci_low,
    arms.lift_ci_high,
    arms.lift_significant,
    arms.window_complete,
    arms.attributed_revenue,
    arms.control_revenue,
    arms.revenue_per_member_t,
    arms.revenue_per_member_c,
    arms.incremental_revenue,
    arms.incremental_revenue_ci_low,
    arms.incremental_revenue_ci_high,
    arms.revenue_lift,
    arms.lift_signs_differ,
    arms.lift_signs_note,
    arms.mdl_response_rate,
    arms.minimum_detectable_lift,
    arms.mdl_note
  from arms
  left join labels on labels.dimension = arms.dimension and labels.segment = arms.segment
  where arms.dimension <> 'all'
)

select * from final
