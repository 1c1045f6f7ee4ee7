-- One row per purchase in the data, whether it used a coupon (a coupon code), with the key of the
-- purchase occasion it belongs to: with purchase_grain = day the calendar day of its purchase time
-- (shop time zone), with = order the order itself. int_purchase_occasions_numbered groups these into occasions; the campaign profile
-- at sending time groups only the purchases before the contact. A purchase's row depends only on
-- its own order, so a refresh rebuilds only the changed orders.
-- grain: order_id
-- materialized: incremental
-- incremental_key: order_id
-- tests: not_null(member_id, purchased_at, net_amount, occasion_key)
with

orders as (select * from staging.stg_orders),

final as (
  select
    orders.order_id,
    orders.member_id,
    orders.purchased_at,
    orders.status,
    orders.net_amount,
    orders.refund_amount,
    orders.coupon_code is not null as used_coupon,
    case getvariable('purchase_grain')
      when 'order' then orders.order_id
      else strftime(orders.purchased_at, '%Y-%m-%d')
    end as occasion_key
  from orders
  where orders.is_purchase
)

select * from final
