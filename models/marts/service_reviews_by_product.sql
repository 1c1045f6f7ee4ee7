-- Reviews (评价) by product: the product's lines of orders paid up to the as-of date (an order
-- and product, intermediate.int_paid_orders and staging.stg_order_items: the reviewable lines),
-- those reviewed up to the as-of date and their share (review rate), the reviews and the shares
-- of them rated good (好评), neutral (中评) and bad (差评) and with photos; NULL (—) over fewer than
-- min_rate_members lines or reviews. A review of a paid order without that product's line (a
-- shop without order lines) counts as a review, not as a reviewable line. product_name from
-- intermediate.int_products_described. No reviews file: no rows.
-- grain: product_id
-- tests: not_null(reviewable_lines, reviewed_lines, reviews, good_reviews, neutral_reviews, bad_reviews, photo_reviews); accepted_range(review_rate, 0, 1); accepted_range(bad_share, 0, 1)
with

paid_orders as (select * from intermediate.int_paid_orders),

order_items as (select * from staging.stg_order_items),

reviews as (select * from staging.stg_reviews),

products as (select * from intermediate.int_products_described),

as_of as (select * from intermediate.int_as_of_date_resolved),

paid_lines as (
  select distinct order_items.order_id, order_items.product_id
  from order_items
  inner join paid_orders on paid_orders.order_id = order_items.order_id
),

paid_reviews as (
  select reviews.order_id, reviews.product_id, reviews.rating, reviews.has_photo
  from reviews
  inner join paid_orders on paid_orders.order_id = reviews.order_id
  cross join as_of
  where reviews.rated_at::date <= as_of.as_of_date
),

by_product as (
  select
    coalesce(paid_lines.product_id, paid_reviews.product_id) as product_id,
    count(paid_lines.order_id) as reviewable_lines,
    count(paid_lines.order_id) filter (where paid_reviews.order_id is not null) as reviewed_lines,
    count(paid_reviews.order_id) as reviews,
    count(*) filter (where paid_reviews.rating = 'good') as good_reviews,
    count(*) filter (where paid_reviews.rating = 'neutral') as neutral_reviews,
    count(*) filter (where paid_reviews.rating = 'bad') as bad_reviews,
    count(*) filter (where paid_reviews.has_photo) as photo_reviews
  from paid_lines
  full join paid_reviews on paid_reviews.order_id = paid_lines.order_id and paid_reviews.product_id = paid_lines.product_id
  group by 1
),

final as (
  select
    by_product.product_id,
    products.product_name,
    by_product.reviewable_lines,
    by_product.reviewed_lines,
    rate_over(by_product.reviewed_lines, by_product.reviewable_lines) as review_rate,
    by_product.reviews,
    by_product.good_reviews,
    by_product.neutral_reviews,
    by_product.bad_reviews,
    by_product.photo_reviews,
    rate_over(by_product.good_reviews, by_product.reviews) as good_share,
    rate_over(by_product.neutral_reviews, by_product.reviews) as neutral_share,
    rate_over(by_product.bad_reviews, by_product.reviews) as bad_share,
    rate_over(by_product.photo_reviews, by_product.reviews) as photo_share
  from by_product
  left join products on products.product_id = by_product.product_id
  where exists (select 1 from paid_reviews)
)

select * from final
