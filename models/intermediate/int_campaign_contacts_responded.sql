-- One row per campaign contact with the member's purchases in the attribution window: strictly
-- after the contact time and up to attribution_days later (inclusive), and not after the as-of
-- date. A coupon counts as redeemed when a purchase in the window carries a coupon code.
-- grain: campaign_id, member_id
-- tests: not_null(responded, window_revenue, window_complete)
with

contacts as (select * from staging.stg_campaign_contacts),

campaigns as (select * from staging.stg_campaigns),

orders as (select * from staging.stg_orders),

as_of as (select * from intermediate.int_as_of_date_resolved),

windows as (
  select
    contacts.*,
    campaigns.attribution_days,
    contacts.contacted_at + campaigns.attribution_days * interval 1 day as window_end,
    (contacts.contacted_at + campaigns.attribution_days * interval 1 day)::date <= as_of.as_of_date as window_complete,
    as_of.as_of_date
  from contacts
  inner join campaigns on campaigns.campaign_id = contacts.campaign_id
  cross join as_of
  where contacts.contacted_at::date <= as_of.as_of_date
),

window_purchases as (
  select
    windows.campaign_id,
    windows.member_id,
    count(*) as purchases,
    sum(orders.net_amount) as revenue,
    bool_or(orders.coupon_code is not null) as used_coupon
  from windows
  inner join orders
    on orders.member_id = windows.member_id
   and orders.is_purchase
   and orders.purchased_at > windows.contacted_at
   and orders.purchased_at <= windows.window_end
   and orders.purchased_at::date <= windows.as_of_date
  group by windows.campaign_id, windows.member_id
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
    coalesce(window_purchases.used_coupon, false) as redeemed_coupon
  from windows
  left join window_purchases
    on window_purchases.campaign_id = windows.campaign_id and window_purchases.member_id = windows.member_id
)

select * from final
