-- One row per campaign: response in each arm, lift with a 95% confidence interval, revenue, cost
-- and both ROIs. Treatment counts every member selected for contact (delivered or not); control
-- members were held out. Lift = response_rate_t - response_rate_c, its interval by the unpooled
-- two-proportion normal approximation (Wald): lift ± 1.96 sqrt(p_t(1-p_t)/n_t + p_c(1-p_c)/n_c).
-- cost = delivered contacts x cost_per_contact + coupon_value x redeemed coupons.
-- naive ROI (投入产出比) = attributed revenue / cost, as CRM back offices report it; incremental
-- revenue = (revenue per treatment member - revenue per control member) x treatment size;
-- incremental ROI = (incremental revenue x gross_margin - cost) / cost. Without a control group
-- the incremental figures are NULL; with zero cost the ROIs are NULL.
-- grain: campaign_id
-- tests: not_null(name, channel, treatment_size, control_size, cost, attributed_revenue); accepted_range(response_rate_t, 0, 1)
with

responses as (select * from intermediate.int_campaign_contacts_responded),

campaigns as (select * from staging.stg_campaigns),

by_arm as (
  select
    campaign_id,
    count(*) filter (where arm = 'treatment') as treatment_size,
    count(*) filter (where arm = 'control') as control_size,
    count(*) filter (where arm = 'treatment' and responded) as responders_t,
    count(*) filter (where arm = 'control' and responded) as responders_c,
    coalesce(sum(window_revenue) filter (where arm = 'treatment'), 0) as attributed_revenue,
    coalesce(sum(window_revenue) filter (where arm = 'control'), 0) as control_revenue,
    count(*) filter (where arm = 'treatment' and delivered) as delivered_contacts,
    count(*) filter (where arm = 'treatment' and redeemed_coupon) as redeemed_coupons,
    bool_and(window_complete) as window_complete
  from responses
  group by campaign_id
),

rates as (
  select
    by_arm.*,
    responders_t / nullif(treatment_size, 0) as response_rate_t,
    responders_c / nullif(control_size, 0) as response_rate_c,
    attributed_revenue / nullif(treatment_size, 0) as revenue_per_member_t,
    control_revenue / nullif(control_size, 0) as revenue_per_member_c
  from by_arm
),

measured as (
  select
    rates.*,
    response_rate_t - response_rate_c as lift,
    1.96 * sqrt(response_rate_t * (1 - response_rate_t) / treatment_size + response_rate_c * (1 - response_rate_c) / control_size) as lift_margin,
    ((revenue_per_member_t - revenue_per_member_c) * treatment_size)::decimal(18, 2) as incremental_revenue
  from rates
),

costed as (
  select
    campaigns.campaign_id,
    campaigns.name,
    campaigns.channel,
    campaigns.sent_at,
    campaigns.attribution_days,
    coalesce(measured.treatment_size, 0) as treatment_size,
    coalesce(measured.control_size, 0) as control_size,
    coalesce(measured.responders_t, 0) as responders_t,
    coalesce(measured.responders_c, 0) as responders_c,
    measured.response_rate_t,
    measured.response_rate_c,
    measured.lift,
    measured.lift - measured.lift_margin as lift_ci_low,
    measured.lift + measured.lift_margin as lift_ci_high,
    'Wald 95% (unpooled two-proportion normal approximation)' as lift_ci_method,
    coalesce(measured.attributed_revenue, 0) as attributed_revenue,
    measured.revenue_per_member_t::double as revenue_per_member_t,
    measured.revenue_per_member_c::double as revenue_per_member_c,
    measured.incremental_revenue,
    coalesce(measured.delivered_contacts, 0) as delivered_contacts,
    coalesce(measured.redeemed_coupons, 0) as redeemed_coupons,
    (coalesce(measured.delivered_contacts, 0) * campaigns.cost_per_contact
      + coalesce(measured.redeemed_coupons, 0) * campaigns.coupon_value)::decimal(18, 2) as cost,
    coalesce(measured.window_complete, false) as window_complete
  from campaigns
  left join measured on measured.campaign_id = campaigns.campaign_id
),

final as (
  select
    *,
    (attributed_revenue / nullif(cost, 0))::double as naive_roi,
    ((incremental_revenue * getvariable('gross_margin') - cost) / nullif(cost, 0))::double as incremental_roi
  from costed
)

select * from final
