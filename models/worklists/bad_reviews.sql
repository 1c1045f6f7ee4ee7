-- 中差评服务: the work list of the shop's service staff, one row per bad or neutral review rated at
-- most review_followup_days days before the as-of date (days_ago 0 = on it), with
-- its order, the member (the salted id, never a buyer id or phone), the product and the review
-- text as exported: the customer wrote it, so it may hold anything, a phone number too; so it is
-- built in schema worklists, which is never published to the site. Not a message channel. A review of an order not loaded has no member. Empty without a reviews file.
-- grain: order_id, product_id
-- tests: not_null(rating, rating_label, rated_at, days_ago, has_photo)
with

reviews as (select * from intermediate.int_reviews_attributed),

products as (select * from intermediate.int_products_described),

as_of as (select * from intermediate.int_as_of_date_resolved),

code_labels as (select * from intermediate.int_code_labels),

final as (
  select
    reviews.order_id,
    reviews.product_id,
    products.product_name,
    reviews.member_id,
    reviews.rating,
    coalesce(rating_labels.label, reviews.rating) as rating_label,
    reviews.rated_at,
    as_of.as_of_date - reviews.rated_at::date as days_ago,
    reviews.has_photo,
    reviews.review_text
  from reviews
  cross join as_of
  left join products on products.product_id = reviews.product_id
  left join code_labels as rating_labels on rating_labels.code_set = 'review_rating' and rating_labels.code = reviews.rating
  where reviews.rating in ('bad', 'neutral')
    and as_of.as_of_date - reviews.rated_at::date between 0 and getvariable('review_followup_days')
)

select * from final
