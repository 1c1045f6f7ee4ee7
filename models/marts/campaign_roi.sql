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
-- Both ROIs are on one base, in ¥ revenue per ¥1 spent (roi_unit), as 投入产出比 is read in the
-- shop's back office: naive ROI = attributed revenue / cost; incremental ROI = incremental revenue
-- / cost, where incremental revenue = attributed revenue - control revenue x treatment size /
-- control size. break_even_roi = 1 / gross_margin: at or above it the campaign's margin pays its
-- cost. The incremental ROI's 95% interval is its incremental revenue's interval (see
-- intermediate.int_campaign_arms_compared, from the lift's) over cost; incremental_roi_text shows
-- it with its interval, '—' for the ROI when the lift is not significant, and
-- incremental_roi_if_significant is NULL then. Revenue lift, the minimum detectable lift and its
-- note as in the intermediate model. Without a control group the incremental figures are NULL;
-- with zero cost the ROIs are NULL. Money is DECIMAL(18, 2). channel_label: the channel's label
-- (seeds/code_labels.csv; one without a label as written).
-- grain: campaign_id
-- tests: not_null(name, channel, treatment_size, control_size, cost, attributed_revenue, overlap_revenue, control_revenue); accepted_range(response_rate_t, 0, 1); accepted_range(lift_ci_low, -1, 1); accepted_range(lift_ci_high, -1, 1)
with

arms as (select * from intermediate.int_campaign_arms_compared),

campaigns as (select * from staging.stg_campaigns),

as_of as (select * from intermediate.int_as_of_date_resolved),

code_labels as (select * from intermediate.int_code_labels where code_set = 'channel'),

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
    overall.incremental_revenue_ci_low,
    overall.incremental_revenue_ci_high,
    overall.revenue_lift,
    overall.lift_signs_differ,
    overall.lift_signs_note,
    overall.mdl_response_rate,
    overall.minimum_detectable_lift,
    overall.mdl_note,
    coalesce(overall.delivered_contacts, 0) as delivered_contacts,
    coalesce(overall.redeemed_coupons, 0) as redeemed_coupons,
    (coalesce(overall.delivered_contacts, 0) * campaigns.cost_per_contact
      + coalesce(overall.redeemed_coupons, 0) * campaigns.coupon_value)::decimal(18, 2) as cost
  from campaigns
  cross join as_of
  left join overall on overall.campaign_id = campaigns.campaign_id
  where campaigns.sent_at::date <= as_of.as_of_date
),

rois as (
  select
    *,
    '每投入1元带来的销售额 ¥ revenue per ¥1 spent' as roi_unit,
    1::float8 / nullif(getvariable('gross_margin'), 0) as break_even_roi,
    case when window_complete then attributed_revenue::float8 / nullif(cost, 0) end as naive_roi,
    incremental_revenue::float8 / nullif(cost, 0) as incremental_roi,
    incremental_revenue_ci_low::float8 / nullif(cost, 0) as incremental_roi_ci_low,
    incremental_revenue_ci_high::float8 / nullif(cost, 0) as incremental_roi_ci_high,
    case when not lift_significant then '不显著 not significant' end as lift_note
  from costed
),

final as (
  select
    rois.*,
    coalesce(code_labels.label, rois.channel) as channel_label,
    case when lift_significant then incremental_roi end as incremental_roi_if_significant,
    case
      when incremental_roi is null then null
      when incremental_roi_ci_low is null then case when lift_significant then grouped_text(incremental_roi, 1) else '—' end
      else case when lift_significant then grouped_text(incremental_roi, 1) else '—' end
        || ' (' || grouped_text(incremental_roi_ci_low, 1) || ' to ' || grouped_text(incremental_roi_ci_high, 1) || ')'
    end as incremental_roi_text
  from rois
  left join code_labels on code_labels.code = rois.channel
)

select * from final
