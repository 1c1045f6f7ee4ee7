-- One row per campaign sent by the as-of date: response in each arm, lift with a 95% confidence interval, revenue, cost
-- and both ROIs. Treatment counts every member selected for contact (delivered or not); control
-- members were held out. Lift, its interval (Wald) and incremental revenue as in
-- intermediate.int_campaign_arms_compared.
-- cost = delivered contacts x cost_per_contact + coupon_value x redeemed coupons.
-- naive ROI (投入产出比) = attributed revenue / cost, as CRM back offices report it; incremental
-- revenue = (revenue per treatment member - revenue per control member) x treatment size;
-- incremental ROI = (incremental revenue x gross_margin - cost) / cost. Without a control group
-- the incremental figures are NULL; with zero cost the ROIs are NULL.
-- grain: campaign_id
-- tests: not_null(name, channel, treatment_size, control_size, cost, attributed_revenue); accepted_range(response_rate_t, 0, 1)
with

arms as (select * from intermediate.int_campaign_arms_compared),

campaigns as (select * from staging.stg_campaigns),

as_of as (select * from intermediate.int_as_of_date_resolved),

overall as (
  select * from arms where dimension = 'all'
),

costed as (
  select
    campaigns.campaign_id,
    campaigns.name,
    campaigns.channel,
    campaigns.sent_at,
    campaigns.attribution_days,
    coalesce(overall.treatment_size, 0) as treatment_size,
    coalesce(overall.control_size, 0) as control_size,
    coalesce(overall.responders_t, 0) as responders_t,
    coalesce(overall.responders_c, 0) as responders_c,
    overall.response_rate_t,
    overall.response_rate_c,
    overall.lift,
    overall.lift_ci_low,
    overall.lift_ci_high,
    'Wald 95% (unpooled two-proportion normal approximation)' as lift_ci_method,
    coalesce(overall.attributed_revenue, 0) as attributed_revenue,
    overall.revenue_per_member_t,
    overall.revenue_per_member_c,
    overall.incremental_revenue,
    coalesce(overall.delivered_contacts, 0) as delivered_contacts,
    coalesce(overall.redeemed_coupons, 0) as redeemed_coupons,
    (coalesce(overall.delivered_contacts, 0) * campaigns.cost_per_contact
      + coalesce(overall.redeemed_coupons, 0) * campaigns.coupon_value)::decimal(18, 2) as cost,
    coalesce(overall.window_complete, false) as window_complete
  from campaigns
  cross join as_of
  left join overall on overall.campaign_id = campaigns.campaign_id
  where campaigns.sent_at::date <= as_of.as_of_date
),

final as (
  select
    *,
    (attributed_revenue / nullif(cost, 0))::double as naive_roi,
    ((incremental_revenue * getvariable('gross_margin') - cost) / nullif(cost, 0))::double as incremental_roi
  from costed
)

select * from final
