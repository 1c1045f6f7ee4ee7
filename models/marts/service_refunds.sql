-- Refunds (退款) of orders paid up to the as-of date (intermediate.int_paid_orders), requested up
-- to it: all of them, by reason (reason_code, seeds/refund_reasons.csv), by product (each product
-- of the refunded order: a refund of an order of two products counts for both) and by month of
-- the order's payment. Per segment: refund requests, successful ones (status success), refunded
-- orders (with a successful refund) and the refund rate = refunded orders / the segment's paid
-- orders (all paid orders for a reason; those with the product; those paid in the month), NULL (—)
-- over fewer than min_rate_members paid orders; the amount refunded (successful refunds) and the
-- median hours from request to finish of the finished ones (success or closed). The refunds
-- explain refunded money; net revenue stays the orders' paid − refunded amounts. Products and
-- months list every one with paid orders. segment_order: reasons in their label order, products
-- by refunded orders (most first), months in time. Labels from seeds/code_labels.csv
-- (service_dimension, service_segment, refund_reason); a product by its name, a month by itself
-- (2026-05). No refunds file: no rows.
-- grain: dimension, segment
-- tests: accepted_values(dimension, 'all', 'reason', 'product', 'month'); not_null(dimension_label, segment_label, segment_order, paid_orders, refunds, successful_refunds, refunded_orders, refund_amount); accepted_range(refund_rate, 0, 1)
with

paid_orders as (select * from intermediate.int_paid_orders),

refunds as (select * from staging.stg_refunds),

order_items as (select * from staging.stg_order_items),

products as (select * from intermediate.int_products_described),

as_of as (select * from intermediate.int_as_of_date_resolved),

code_labels as (select * from intermediate.int_code_labels),

paid_refunds as (
  select
    refunds.*,
    paid_orders.month,
    date_diff('second', refunds.requested_at, refunds.finished_at)::float8 / 3600 as hours_to_finish
  from refunds
  inner join paid_orders on paid_orders.order_id = refunds.order_id
  cross join as_of
  where refunds.requested_at::date <= as_of.as_of_date
),

product_orders as (
  select distinct order_items.product_id, order_items.order_id
  from order_items
  inner join paid_orders on paid_orders.order_id = order_items.order_id
),

segment_refunds as (
  select 'all' as dimension, 'all' as segment, paid_refunds.* from paid_refunds
  union all
  select 'reason' as dimension, paid_refunds.reason_code as segment, paid_refunds.* from paid_refunds
  union all
  select 'product' as dimension, product_orders.product_id as segment, paid_refunds.*
  from paid_refunds
  inner join product_orders on product_orders.order_id = paid_refunds.order_id
  union all
  select 'month' as dimension, strftime(paid_refunds.month, '%Y-%m') as segment, paid_refunds.* from paid_refunds
),

refund_counts as (
  select
    dimension,
    segment,
    count(*) as refunds,
    count(*) filter (where status = 'success') as successful_refunds,
    count(distinct order_id) filter (where status = 'success') as refunded_orders,
    coalesce(sum(amount) filter (where status = 'success'), 0)::decimal(18, 2) as refund_amount,
    percentile_cont(0.5) within group (order by hours_to_finish) filter (where status in ('success', 'closed')) as p50_hours_to_finish
  from segment_refunds
  group by dimension, segment
),

segment_orders as (
  select 'all' as dimension, 'all' as segment, count(*) as paid_orders from paid_orders
  union all
  select 'reason' as dimension, reasons.segment, (select count(*) from paid_orders) as paid_orders
  from (select segment from refund_counts where dimension = 'reason') as reasons
  union all
  select 'product' as dimension, product_id as segment, count(*) as paid_orders from product_orders group by product_id
  union all
  select 'month' as dimension, strftime(month, '%Y-%m') as segment, count(*) as paid_orders from paid_orders group by month
),

counted as (
  select
    segment_orders.dimension,
    segment_orders.segment,
    segment_orders.paid_orders,
    coalesce(refund_counts.refunds, 0) as refunds,
    coalesce(refund_counts.successful_refunds, 0) as successful_refunds,
    coalesce(refund_counts.refunded_orders, 0) as refunded_orders,
    rate_over(coalesce(refund_counts.refunded_orders, 0), segment_orders.paid_orders) as refund_rate,
    coalesce(refund_counts.refund_amount, 0)::decimal(18, 2) as refund_amount,
    refund_counts.p50_hours_to_finish
  from segment_orders
  left join refund_counts on refund_counts.dimension = segment_orders.dimension and refund_counts.segment = segment_orders.segment
  where exists (select 1 from paid_refunds)
),

final as (
  select
    counted.dimension,
    dimension_labels.label as dimension_label,
    counted.segment,
    coalesce(segment_labels.label, reason_labels.label, products.product_name, counted.segment) as segment_label,
    case counted.dimension
      when 'reason' then coalesce(reason_labels.code_order, 99)
      when 'product' then row_number() over (partition by counted.dimension order by counted.refunded_orders desc nulls last, counted.segment)
      when 'month' then row_number() over (partition by counted.dimension order by counted.segment)
      else 0
    end as segment_order,
    counted.paid_orders,
    counted.refunds,
    counted.successful_refunds,
    counted.refunded_orders,
    counted.refund_rate,
    counted.refund_amount,
    counted.p50_hours_to_finish
  from counted
  left join code_labels as dimension_labels on dimension_labels.code_set = 'service_dimension' and dimension_labels.code = counted.dimension
  left join code_labels as segment_labels on segment_labels.code_set = 'service_segment' and segment_labels.code = counted.segment and counted.dimension = 'all'
  left join code_labels as reason_labels on reason_labels.code_set = 'refund_reason' and reason_labels.code = counted.segment and counted.dimension = 'reason'
  left join products on products.product_id = counted.segment and counted.dimension = 'product'
)

select * from final
