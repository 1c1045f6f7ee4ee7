-- Each buyer's promotion sensitivity (促销敏感度) as of the as-of date: the share of its purchases
-- made with a coupon (an order with a coupon code), its band of seeds/promotion_bands.csv, and
-- whether it only ever buys with a coupon (低质量客户: every purchase, at least
-- coupon_only_min_purchases of them).
-- A buyer's row depends only on that buyer's orders up to the as-of date, so a refresh rebuilds
-- only the buyers with changed orders and those a new as-of date crosses.
-- grain: member_id
-- materialized: incremental
-- incremental_key: member_id
-- as_of_cut: staging.stg_orders.purchased_at <= intermediate.int_as_of_date_resolved.as_of_date
-- tests: not_null(promotion_band, coupon_share); accepted_range(coupon_share, 0, 1)
with

orders as (select * from staging.stg_orders),

as_of as (select * from intermediate.int_as_of_date_resolved),

bands as (select * from seeds.promotion_bands),

purchases as (
  select
    orders.member_id,
    count(*) as purchases,
    count(*) filter (where orders.coupon_code is not null) as coupon_purchases
  from orders
  cross join as_of
  where orders.is_purchase and orders.purchased_at::date <= as_of.as_of_date
  group by orders.member_id
),

final as (
  select
    purchases.member_id,
    purchases.purchases,
    purchases.coupon_purchases,
    purchases.coupon_purchases::float8 / purchases.purchases as coupon_share,
    bands.band as promotion_band,
    purchases.coupon_purchases = purchases.purchases and purchases.purchases >= getvariable('coupon_only_min_purchases') as coupon_only
  from purchases
  left join bands
    on purchases.coupon_purchases::float8 / purchases.purchases >= bands.min_coupon_share
   and (bands.max_coupon_share is null or purchases.coupon_purchases::float8 / purchases.purchases < bands.max_coupon_share)
)

select * from final
