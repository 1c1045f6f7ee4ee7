-- One row per order paid up to the as-of date, with its month of payment: the orders a shop can
-- ship, a buyer can review and refund, whatever became of them later (a refunded order stays
-- one). The denominator of the service marts' review and refund rates.
-- An order's row depends only on that order and on whether it falls by the as-of date, so a
-- refresh rebuilds the new files' orders and those a new as-of date takes in or leaves out.
-- grain: order_id
-- materialized: incremental
-- incremental_key: order_id
-- as_of_cut: staging.stg_orders.paid_at <= intermediate.int_as_of_date_resolved.as_of_date
-- tests: not_null(member_id, paid_at, month)
with

orders as (select * from staging.stg_orders),

as_of as (select * from intermediate.int_as_of_date_resolved),

final as (
  select
    orders.order_id,
    orders.member_id,
    orders.paid_at,
    orders.purchased_at,
    date_trunc('month', orders.paid_at)::date as month
  from orders
  cross join as_of
  where orders.paid_at is not null and orders.paid_at::date <= as_of.as_of_date
)

select * from final
