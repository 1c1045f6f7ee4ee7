-- One row per member with an order carrying a city by the as-of date: the province and city of its
-- latest such order (created_at, then order_id), the address member_facts falls back on when the
-- member file has none. A member's row depends only on that member's orders up to the as-of date,
-- so a refresh rebuilds only the members with changed orders and those a new as-of date crosses.
-- grain: member_id
-- materialized: incremental
-- incremental_key: member_id
-- as_of_cut: staging.stg_orders.created_at <= intermediate.int_as_of_date_resolved.as_of_date
-- tests: not_null(city)
with

orders as (select * from staging.stg_orders),

as_of as (select * from intermediate.int_as_of_date_resolved),

ranked as (
  select
    orders.member_id,
    orders.province,
    orders.city,
    row_number() over (partition by orders.member_id order by orders.created_at desc nulls last, orders.order_id desc nulls last) as address_rank
  from orders
  cross join as_of
  where orders.created_at::date <= as_of.as_of_date and orders.city is not null
),

final as (
  select member_id, province, city
  from ranked
  where address_rank = 1
)

select * from final
