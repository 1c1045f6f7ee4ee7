-- One row per purchase occasion in the data, numbered per member; int_purchase_occasions keeps
-- those up to the as-of date. With purchase_grain = day all purchases of a member on one calendar
-- day (shop time zone) are one occasion; with = order each order is (the occasion key of
-- int_purchases_keyed). An occasion is dated by its first purchase; coupon_orders counts its
-- purchases with a coupon. A member's occasions depend only on that member's orders, so a refresh
-- rebuilds only the members with changed orders.
-- grain: member_id, occasion_number
-- materialized: incremental
-- incremental_key: member_id
-- tests: not_null(occasion_at, revenue, orders, coupon_orders); accepted_values(purchase_grain, 'day', 'order')
with

purchases as (select * from intermediate.int_purchases_keyed),

occasions as (
  select
    member_id,
    occasion_key,
    min(purchased_at) as occasion_at,
    count(*) as orders,
    count(*) filter (where refund_amount > 0) as partly_refunded_orders,
    count(*) filter (where used_coupon) as coupon_orders,
    sum(net_amount) as revenue
  from purchases
  group by member_id, occasion_key
),

numbered as (
  select
    member_id,
    row_number() over (partition by member_id order by occasion_at, occasion_key) as occasion_number,
    occasion_at,
    occasion_at::date as occasion_date,
    orders,
    partly_refunded_orders,
    coupon_orders,
    revenue,
    getvariable('purchase_grain') as purchase_grain
  from occasions
),

final as (
  select
    *,
    occasion_date - lag(occasion_date) over (partition by member_id order by occasion_number) as days_since_previous
  from numbered
)

select * from final
