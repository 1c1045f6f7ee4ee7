-- Treatment against control for each campaign, overall (dimension 'all') and within each
-- lifecycle stage, RFM segment and member level at sending time: sizes, responders, response
-- rates, revenue (attributed = treatment window revenue, its part also attributed to another
-- campaign, control), revenue per member, delivered contacts and redeemed coupons.
-- Once the campaign's window is complete (every contact's window ends on or before the as-of
-- date) and both arms have members: lift = rate_t - rate_c with Newcombe's hybrid score 95%
-- interval (Wilson intervals of each arm combined, models/macros.sql), lift_significant when the
-- interval excludes 0, and incremental revenue = attributed revenue - control revenue x treatment
-- size / control size, in DECIMAL. Before that, and without a control group, they are NULL.
-- With them (docs/metrics.md, Campaigns):
-- - incremental revenue's 95% interval: the lift interval's distance from the lift, in responders
--   (x treatment size), valued at the revenue per responder of both arms, added to the incremental
--   revenue, so incremental_revenue + (lift_ci_low or lift_ci_high - lift) x treatment_size x
--   (attributed + control revenue) / (responders_t + responders_c). It holds the incremental
--   revenue; NULL when nobody responded in either arm.
-- - revenue_lift = revenue_per_member_t - revenue_per_member_c (¥ per member); lift_signs_differ
--   when it and the response lift have opposite signs, with lift_signs_note saying which way.
-- - minimum_detectable_lift (minimum_detectable_lift in models/macros.sql: 95% two-sided, 80%
--   power) at mdl_response_rate: the control's response rate, or, when that is 0 or 1 (no variance
--   to measure by), the pooled rate of both arms kept within one member of 0 and 1 (1 / (n_t +
--   n_c) when nobody responded: the smallest rate the arms could have shown). mdl_note
--   对照组太小，无法判断 when the lift is not significant and |lift| < the minimum detectable lift.
-- grain: campaign_id, dimension, segment
-- tests: accepted_values(dimension, 'all', 'lifecycle_stage', 'rfm_segment', 'member_level'); accepted_range(response_rate_t, 0, 1); accepted_range(lift_ci_low, -1, 1); accepted_range(lift_ci_high, -1, 1)
with

responses as (select * from intermediate.int_campaign_contacts_responded),

profiles as (select * from intermediate.int_campaign_contacts_profiled),

as_of as (select * from intermediate.int_as_of_date_resolved),

-- The contacts' columns that by_arm reads.
contact_facts as (
  select campaign_id, member_id, arm, delivered, window_end, window_complete, responded, window_revenue, overlap_revenue, redeemed_coupon
  from responses
),

-- Each contact once overall and once in each dimension it is profiled on.
grouped as (
  select contact_facts.*, 'all' as dimension, 'all' as segment from contact_facts
  union all
  select contact_facts.*, dimensions.dimension, dimensions.segment
  from contact_facts
  inner join profiles on profiles.campaign_id = contact_facts.campaign_id and profiles.member_id = contact_facts.member_id
  cross join lateral (
    values
      ('lifecycle_stage', profiles.lifecycle_stage),
      ('rfm_segment', profiles.rfm_segment),
      ('member_level', profiles.member_level)
  ) as dimensions(dimension, segment)
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
    coalesce(sum(window_revenue) filter (where arm = 'treatment'), 0)::decimal(18, 2) as attributed_revenue,
    coalesce(sum(overlap_revenue) filter (where arm = 'treatment'), 0)::decimal(18, 2) as overlap_revenue,
    coalesce(sum(window_revenue) filter (where arm = 'control'), 0)::decimal(18, 2) as control_revenue,
    count(*) filter (where arm = 'treatment' and delivered) as delivered_contacts,
    count(*) filter (where redeemed_coupon) as redeemed_coupons,
    bool_and(window_complete) as group_window_complete,
    max(window_end) as group_window_end
  from grouped
  group by campaign_id, dimension, segment
),

-- Every group of a campaign waits for the campaign's whole window (the 'all' group holds every
-- contact). days_left: from the as-of date to the last window end, 0 once complete.
windowed as (
  select
    by_arm.campaign_id,
    by_arm.dimension,
    by_arm.segment,
    by_arm.treatment_size,
    by_arm.control_size,
    by_arm.responders_t,
    by_arm.responders_c,
    by_arm.attributed_revenue,
    by_arm.overlap_revenue,
    by_arm.control_revenue,
    by_arm.delivered_contacts,
    by_arm.redeemed_coupons,
    bool_and(group_window_complete) over (partition by campaign_id) as window_complete,
    greatest(max(group_window_end) over (partition by campaign_id)::date - as_of.as_of_date, 0) as days_left
  from by_arm
  cross join as_of
),

rates as (
  select
    windowed.*,
    responders_t::float8 / nullif(treatment_size, 0) as response_rate_t,
    responders_c::float8 / nullif(control_size, 0) as response_rate_c,
    money_ratio(attributed_revenue, 1, treatment_size) as revenue_per_member_t,
    money_ratio(control_revenue, 1, control_size) as revenue_per_member_c
  from windowed
),

comparable as (
  select
    rates.*,
    window_complete and treatment_size > 0 and control_size > 0 as is_comparable
  from rates
),

lifts as (
  select
    comparable.*,
    case when is_comparable then response_rate_t - response_rate_c end as lift,
    case when is_comparable then newcombe_low(responders_t, treatment_size, responders_c, control_size) end as lift_ci_low,
    case when is_comparable then newcombe_high(responders_t, treatment_size, responders_c, control_size) end as lift_ci_high,
    case
      when is_comparable then (attributed_revenue - money_ratio(control_revenue, treatment_size, control_size))::decimal(18, 2)
    end as incremental_revenue
  from comparable
),

significance as (
  select
    lifts.*,
    lift_ci_low > 0 or lift_ci_high < 0 as lift_significant,
    (attributed_revenue + control_revenue)::float8 / nullif(responders_t + responders_c, 0) as revenue_per_responder,
    case when lift is not null then (revenue_per_member_t - revenue_per_member_c)::decimal(18, 2) end as revenue_lift,
    case
      when lift is null then null
      when responders_c > 0 and responders_c < control_size then response_rate_c
      else greatest(
        least((responders_t + responders_c)::float8 / (treatment_size + control_size), 1 - 1::float8 / (treatment_size + control_size)),
        1::float8 / (treatment_size + control_size)
      )
    end as mdl_response_rate
  from lifts
),

final as (
  select
    campaign_id,
    dimension,
    segment,
    treatment_size,
    control_size,
    responders_t,
    responders_c,
    attributed_revenue,
    overlap_revenue,
    control_revenue,
    delivered_contacts,
    redeemed_coupons,
    window_complete,
    days_left,
    response_rate_t,
    response_rate_c,
    revenue_per_member_t,
    revenue_per_member_c,
    lift,
    lift_ci_low,
    lift_ci_high,
    incremental_revenue,
    lift_significant,
    revenue_lift,
    mdl_response_rate,
    (incremental_revenue + (lift_ci_low - lift) * treatment_size * revenue_per_responder)::decimal(18, 2) as incremental_revenue_ci_low,
    (incremental_revenue + (lift_ci_high - lift) * treatment_size * revenue_per_responder)::decimal(18, 2) as incremental_revenue_ci_high,
    (lift > 0 and revenue_lift < 0) or (lift < 0 and revenue_lift > 0) as lift_signs_differ,
    case
      when lift < 0 and revenue_lift > 0 then '响应率下降而人均销售额上升 fewer members responded, but revenue per member rose'
      when lift > 0 and revenue_lift < 0 then '响应率上升而人均销售额下降 more members responded, but revenue per member fell'
    end as lift_signs_note,
    minimum_detectable_lift(mdl_response_rate, treatment_size, control_size) as minimum_detectable_lift,
    case
      when not lift_significant and abs(lift) < minimum_detectable_lift(mdl_response_rate, treatment_size, control_size)
        then '对照组太小，无法判断 control arm too small to tell'
    end as mdl_note
  from significance
)

select * from final
