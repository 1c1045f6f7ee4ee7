-- One row per shipped order that is still a purchase (an order refunded in full or cancelled is
-- no one's to follow up), with its member and destination (province, city), its shipment and
-- signing, and when a line of it was first reviewed (first_rated_at, NULL until one is): the
-- shipments as the review invitation and the service staff's work list (异常物流) read them.
-- grain: order_id
-- tests: not_null(member_id, shipped_at, is_exception)
with

shipments as (select * from staging.stg_shipments),

orders as (select * from staging.stg_orders),

reviews as (select * from staging.stg_reviews),

first_reviews as (
  select order_id, min(rated_at) as first_rated_at
  from reviews
  group by order_id
),

final as (
  select
    shipments.order_id,
    orders.member_id,
    orders.province,
    orders.city,
    shipments.carrier,
    shipments.tracking_no,
    shipments.shipped_at,
    shipments.signed_at,
    shipments.is_exception,
    shipments.exception_text,
    first_reviews.first_rated_at
  from shipments
  inner join orders on orders.order_id = shipments.order_id and orders.is_purchase
  left join first_reviews on first_reviews.order_id = shipments.order_id
)

select * from final
