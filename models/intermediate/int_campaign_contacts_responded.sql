-- One row per campaign contact with the member's purchases in the attribution window: strictly
-- after the contact time and up to attribution_days later (inclusive), and not after the as-of
-- date. The window is complete when its end falls on or before the as-of date.
-- A delivered treatment contact redeems the campaign's coupon when a purchase in its window
-- carries the campaign's coupon_code (trimmed, case-insensitive); a coupon of another campaign or
-- of the platform does not count, nor does any coupon for a campaign without a code.
-- overlap_revenue is the net value of the window purchases that are also in the window of another
-- campaign in which the member is a treatment contact (each campaign counts such a purchase).
-- grain: campaign_id, member_id
-- tests: not_null(responded, window_revenue, overlap_revenue, window_complete, redeemed_coupon)
with

contacts as (select * from staging.stg_campaign_contacts),

campaigns as (select * from staging.stg_campaigns),

orders as (select * from staging.stg_orders),

as_of as (select * from intermediate.int_as_of_date_resolved),

windows as (
  select
    contacts.*,
    campaigns.attribution_days,
    campaigns.coupon_code as campaign_coupon_code,
    contacts.contacted_at + campaigns.attribution_days * interval '1 day' as window_end,
    (contacts.contacted_at + campaigns.attribution_days * interval '1 day')::date <= as_of.as_of_date as window_complete,
    as_of.as_of_date
  from contacts
  inner join campaigns on campaigns.campaign_id = contacts.campaign_id
  cross join as_of
  where contacts.contacted_at::date <= as_of.as_of_date
),

window_orders as (
  select
    windows.campaign_id,
    windows.member_id,
    windows.arm,
    orders.order_id,
    orders.net_amount,
    lower(trim(orders.coupon_code)) = lower(windows.campaign_coupon_code) as carries_campaign_coupon
  from windows
  inner join orders
    on orders.member_id = windows.member_id
   and orders.is_purchase
   and orders.purchased_at > windows.contacted_at
   and orders.purchased_at <= windows.window_end
   and orders.purchased_at::date <= windows.as_of_date
),

-- A member has one contact per campaign, so the treatment rows of an order are the distinct
-- campaigns in whose treatment window it falls.
overlap_marked as (
  select
    window_orders.*,
    count(*) filter (where window_orders.arm = 'treatment') over (partition by window_orders.order_id)
      - case when window_orders.arm = 'treatment' then 1 else 0 end > 0 as in_other_treatment_window
  from window_orders
),

window_purchases as (
  select
    campaign_id,
    member_id,
    count(*) as purchases,
    sum(net_amount) as revenue,
    coalesce(sum(net_amount) filter (where in_other_treatment_window), 0) as overlap_revenue,
    coalesce(bool_or(carries_campaign_coupon), false) as used_campaign_coupon
  from overlap_marked
  group by campaign_id, member_id
),

final as (
  select
    windows.campaign_id,
    windows.member_id,
    windows.contacted_at,
    windows.arm,
    windows.delivered,
    windows.attribution_days,
    windows.window_end,
    windows.window_complete,
    coalesce(window_purchases.purchases, 0) > 0 as responded,
    coalesce(window_purchases.revenue, 0) as window_revenue,
    coalesce(window_purchases.overlap_revenue, 0) as overlap_revenue,
    windows.arm = 'treatment' and windows.delivered and coalesce(window_purchases.used_campaign_coupon, false) as redeemed_coupon
  from windows
  left join window_purchases
    on window_purchases.campaign_id = windows.campaign_id and window_purchases.member_id = windows.member_id
)

select * from final
