-- One row per campaign sent by the as-of date: response in each arm, lift with its 95% interval
-- (Newcombe's hybrid score interval) and whether it excludes 0, revenue, cost and both ROIs.
-- Treatment counts every member selected for contact (delivered or not); control members were
-- held out. Lift, interval, revenue and the in-flight rule as in
-- intermediate.int_campaign_arms_compared: until every contact's window has ended by the as-of
-- date (window_complete; days_left to the last window end, 0 once complete) the campaign shows its
-- response so far, and lift, interval, incremental revenue and both ROIs are NULL.
-- overlap_revenue is the part of attributed revenue also attributed to another campaign in which
-- the member is a treatment contact (each campaign counts such a purchase).
-- cost = delivered contacts x cost_per_contact + coupon_value x contacts that redeemed the
-- campaign's own coupon (none without a coupon_code).
-- naive ROI (投入产出比) = attributed revenue / cost, as CRM back offices report it; incremental
-- revenue = attributed revenue - control revenue x treatment size / control size;
-- incremental ROI = (incremental revenue x gross_margin - cost) / cost. Without a control group
-- the incremental figures are NULL; with zero cost the ROIs are NULL. Money is DECIMAL(18, 2).
-- grain: campaign_id
-- tests: not_null(name, channel, treatment_size, control_size, cost, attributed_revenue, overlap_revenue, control_revenue); accepted_range(response_rate_t, 0, 1); accepted_range(lift_ci_low, -1, 1); accepted_range(lift_ci_high, -1, 1)
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
    campaigns.coupon_code,
    coalesce(overall.window_complete, false) as window_complete,
    overall.days_left,
    coalesce(overall.treatment_size, 0) as treatment_size,
    coalesce(overall.control_size, 0) as control_size,
    coalesce(overall.responders_t, 0) as responders_t,
    coalesce(overall.responders_c, 0) as responders_c,
    overall.response_rate_t,
    overall.response_rate_c,
    overall.lift,
    overall.lift_ci_low,
    overall.lift_ci_high,
    overall.lift_significant,
    'Newcombe hybrid score 95% (Wilson intervals of each arm combined)' as lift_ci_method,
    coalesce(overall.attributed_revenue, 0)::decimal(18, 2) as attributed_revenue,
    coalesce(overall.overlap_revenue, 0)::decimal(18, 2) as overlap_revenue,
    coalesce(overall.control_revenue, 0)::decimal(18, 2) as control_revenue,
    overall.revenue_per_member_t,
    overall.revenue_per_member_c,
    overall.incremental_revenue,
    coalesce(overall.delivered_contacts, 0) as delivered_contacts,
    coalesce(overall.redeemed_coupons, 0) as redeemed_coupons,
    (coalesce(overall.delivered_contacts, 0) * campaigns.cost_per_contact
      + coalesce(overall.redeemed_coupons, 0) * campaigns.coupon_value)::decimal(18, 2) as cost
  from campaigns
  cross join as_of
  left join overall on overall.campaign_id = campaigns.campaign_id
  where campaigns.sent_at::date <= as_of.as_of_date
),

final as (
  select
    *,
    case when window_complete then (attributed_revenue / nullif(cost, 0))::double end as naive_roi,
    ((incremental_revenue * getvariable('gross_margin') - cost) / nullif(cost, 0))::double as incremental_roi,
    case when not lift_significant then '不显著 not significant' end as lift_note
  from costed
)

select * from final
