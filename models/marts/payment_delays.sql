-- How long buyers take to pay, from order creation to payment, in minutes, over paid orders
-- created up to the as-of date: the median (P50) and P90 for all orders, by hour of creation,
-- and for large orders (paid amount in the top decile) against the others. The course notes set
-- the payment reminder (催付) at the time within which 90% of buyers pay: the P90 of all orders.
-- dimension_label and segment_label are the codes' labels (seeds/code_labels.csv; an hour is
-- labelled by itself: 09时 09:00).
-- grain: dimension, segment
-- tests: accepted_values(dimension, 'all', 'hour', 'order_size'); not_null(dimension_label, segment_label, paid_orders, p50_minutes, p90_minutes)
with

orders as (select * from staging.stg_orders),

as_of as (select * from intermediate.int_as_of_date_resolved),

code_labels as (select * from intermediate.int_code_labels),

paid as (
  select
    orders.order_id,
    extract(hour from orders.created_at) as created_hour,
    orders.paid_amount,
    date_diff('second', orders.created_at, orders.paid_at)::float8 / 60 as delay_minutes
  from orders
  cross join as_of
  where orders.paid_at is not null and orders.paid_at >= orders.created_at and orders.created_at::date <= as_of.as_of_date
),

large_order_floor as (
  select percentile_cont(0.9) within group (order by paid_amount) as min_amount from paid
),

segmented as (
  select 'all' as dimension, 'all' as segment, 0 as segment_order, delay_minutes from paid
  union all
  select 'hour' as dimension, lpad(created_hour::varchar, 2, '0') as segment, created_hour as segment_order, delay_minutes from paid
  union all
  select
    'order_size' as dimension,
    case when paid.paid_amount >= large_order_floor.min_amount then 'top_decile' else 'others' end as segment,
    case when paid.paid_amount >= large_order_floor.min_amount then 1 else 2 end as segment_order,
    delay_minutes
  from paid
  cross join large_order_floor
),

delays as (
  select
    dimension,
    segment,
    segment_order,
    count(*) as paid_orders,
    percentile_cont(0.5) within group (order by delay_minutes) as p50_minutes,
    percentile_cont(0.9) within group (order by delay_minutes) as p90_minutes
  from segmented
  group by dimension, segment, segment_order
),

final as (
  select
    delays.dimension,
    coalesce(dimension_labels.label, delays.dimension) as dimension_label,
    delays.segment,
    case delays.dimension
      when 'hour' then delays.segment || '时 ' || delays.segment || ':00'
      else coalesce(segment_labels.label, delays.segment)
    end as segment_label,
    delays.segment_order,
    delays.paid_orders,
    delays.p50_minutes,
    delays.p90_minutes
  from delays
  left join code_labels as dimension_labels on dimension_labels.code_set = 'payment_dimension' and dimension_labels.code = delays.dimension
  left join code_labels as segment_labels on segment_labels.code_set = 'payment_segment' and segment_labels.code = delays.segment
)

select * from final
