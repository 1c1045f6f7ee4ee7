-- One row per review (an order line) with the member of its order, NULL for an order not loaded:
-- the reviews as the care audience (好评关怀) and the service staff's work list (中差评服务) read them.
-- grain: order_id, product_id
-- tests: not_null(rated_at, rating, has_photo)
with

reviews as (select * from staging.stg_reviews),

orders as (select * from staging.stg_orders),

final as (
  select
    reviews.order_id,
    reviews.product_id,
    orders.member_id,
    reviews.rated_at,
    reviews.rating,
    reviews.has_photo,
    reviews.review_text
  from reviews
  left join orders on orders.order_id = reviews.order_id
)

select * from final
