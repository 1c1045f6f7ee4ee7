-- Payment (催付) by month of order creation, up to the as-of date: orders created, orders paid
-- (a payment time, or a status only a paid order reaches), and the payment rate (订单支付率 =
-- paid / created) beside the course notes' benchmark (payment_rate_benchmark, 80.41%).
-- grain: month
-- tests: accepted_range(payment_rate, 0, 1); not_null(created_orders, paid_orders)
with

orders as (select * from staging.stg_orders),

as_of as (select * from intermediate.int_as_of_date_resolved),

by_month as (
  select
    date_trunc('month', orders.created_at)::date as month,
    count(*) as created_orders,
    count(*) filter (where orders.paid_at is not null or orders.status in ('paid', 'shipped', 'completed', 'refunded')) as paid_orders
  from orders
  cross join as_of
  where orders.created_at::date <= as_of.as_of_date
  group by 1
),

final as (
  select
    month,
    created_orders,
    paid_orders,
    paid_orders::float8 / created_orders as payment_rate,
    getvariable('payment_rate_benchmark') as payment_rate_benchmark
  from by_month
)

select * from final
