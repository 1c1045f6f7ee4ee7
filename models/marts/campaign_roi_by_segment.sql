-- Each campaign's treatment and control compared within the lifecycle stage, the RFM segment and
-- the member level members were in when it was sent (members without a purchase in the RFM
-- lookback as not_scored; see intermediate.int_campaign_arms_compared: lift, its Newcombe
-- interval and incremental revenue are NULL until the campaign's window is complete; its
-- interval, revenue lift and minimum detectable lift as there), labelled from int_code_labels
-- (segment_zh; segment_label = 中文 English). A group's arms are small: an arm's response rate
-- over fewer than min_rate_members members is NULL (rate_over), and so are the lift and its
-- interval where either arm's rate is, so that 1 responder of 1 never reads as 100%.
-- grain: campaign_id, dimension, segment
-- tests: accepted_values(dimension, 'lifecycle_stage', 'rfm_segment', 'member_level'); not_null(segment_zh, segment_label, treatment_size, control_size, attributed_revenue, control_revenue)
with

arms as (select * from intermediate.int_campaign_arms_compared),

code_labels as (select * from intermediate.int_code_labels),

labels as (
  select
    case code_set when 'stage' then 'lifecycle_stage' when 'segment' then 'rfm_segment' else 'member_level' end as dimension,
    code as segment,
    label_zh as segment_zh,
    label as segment_label,
    code_order as segment_order
  from code_labels
  where code_set in ('stage', 'segment', 'level')
),

-- The rates of arms too small to read (rate_over) are not shown, nor is a lift between them.
rated as (
  select
    *,
    rate_over(responders_t, treatment_size) as shown_rate_t,
    rate_over(responders_c, control_size) as shown_rate_c
  from arms
),

shown as (
  select
    *,
    shown_rate_t is not null and shown_rate_c is not null as both_shown
  from rated
),

final as (
  select
    arms.campaign_id,
    arms.dimension,
    arms.segment,
    labels.segment_zh,
    labels.segment_label,
    labels.segment_order,
    arms.treatment_size,
    arms.control_size,
    arms.responders_t,
    arms.responders_c,
    arms.shown_rate_t as response_rate_t,
    arms.shown_rate_c as response_rate_c,
    case when arms.both_shown then arms.lift end as lift,
    case when arms.both_shown then arms.lift_ci_low end as lift_ci_low,
    case when arms.both_shown then arms.lift_ci_high end as lift_ci_high,
    case when arms.both_shown then arms.lift_significant end as lift_significant,
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
  from shown as arms
  left join labels on labels.dimension = arms.dimension and labels.segment = arms.segment
  where arms.dimension <> 'all'
)

select * from final
