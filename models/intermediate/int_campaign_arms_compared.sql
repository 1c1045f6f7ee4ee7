-- Treatment against control for each campaign, overall (dimension 'all') and within each
-- lifecycle stage and RFM segment at sending time: sizes, responders, response rates, revenue per
-- member, lift with its Wald 95% interval (unpooled two-proportion normal approximation:
-- lift ± 1.96 sqrt(p_t(1-p_t)/n_t + p_c(1-p_c)/n_c)) and incremental revenue
-- ((revenue per treatment member - per control member) x treatment size). NULL without control.
-- grain: campaign_id, dimension, segment
-- tests: accepted_values(dimension, 'all', 'lifecycle_stage', 'rfm_segment'); accepted_range(response_rate_t, 0, 1)
with

responses as (select * from intermediate.int_campaign_contacts_responded),

profiles as (select * from intermediate.int_campaign_contacts_profiled),

grouped as (
  select responses.*, 'all' as dimension, 'all' as segment from responses
  union all
  select responses.*, 'lifecycle_stage' as dimension, profiles.lifecycle_stage as segment
  from responses
  inner join profiles on profiles.campaign_id = responses.campaign_id and profiles.member_id = responses.member_id
  union all
  select responses.*, 'rfm_segment' as dimension, profiles.rfm_segment as segment
  from responses
  inner join profiles on profiles.campaign_id = responses.campaign_id and profiles.member_id = responses.member_id
),

by_arm as (
  select
    campaign_id,
    dimension,
    segment,
    count(*) filter (where arm = 'treatment') as treatment_size,
    count(*) filter (where arm = 'control') as control_size,
    count(*) filter (where arm = 'treatment' and responded) as responders_t,
    count(*) filter (where arm = 'control' and responded) as responders_c,
    coalesce(sum(window_revenue) filter (where arm = 'treatment'), 0) as attributed_revenue,
    coalesce(sum(window_revenue) filter (where arm = 'control'), 0) as control_revenue,
    count(*) filter (where arm = 'treatment' and delivered) as delivered_contacts,
    count(*) filter (where arm = 'treatment' and redeemed_coupon) as redeemed_coupons,
    bool_and(window_complete) as window_complete
  from grouped
  group by campaign_id, dimension, segment
),

rates as (
  select
    by_arm.*,
    responders_t / nullif(treatment_size, 0) as response_rate_t,
    responders_c / nullif(control_size, 0) as response_rate_c,
    (attributed_revenue / nullif(treatment_size, 0))::double as revenue_per_member_t,
    (control_revenue / nullif(control_size, 0))::double as revenue_per_member_c
  from by_arm
),

lifts as (
  select
    rates.*,
    response_rate_t - response_rate_c as lift,
    1.96 * sqrt(response_rate_t * (1 - response_rate_t) / treatment_size + response_rate_c * (1 - response_rate_c) / control_size) as lift_margin,
    ((revenue_per_member_t - revenue_per_member_c) * treatment_size)::decimal(18, 2) as incremental_revenue
  from rates
),

final as (
  select
    lifts.* exclude (lift_margin),
    lift - lift_margin as lift_ci_low,
    lift + lift_margin as lift_ci_high
  from lifts
)

select * from final
