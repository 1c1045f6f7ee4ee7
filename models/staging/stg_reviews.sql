-- One row per reviewed order line (order, product) of the optional reviews file: when it was
-- rated, the rating as good, neutral or bad (the exported 好评/中评/差评 or 1–5 stars through
-- seeds/review_ratings.csv; a load quarantines any other), whether it has photos, and its text
-- where the shop exports it. A later row for the line replaces the values it gives (later file,
-- then later line) and keeps those it leaves empty. Without a reviews file it is empty.
-- grain: order_id, product_id
-- materialized: table
-- tests: not_null(rated_at, rating, has_photo); accepted_values(rating, 'good', 'neutral', 'bad')
with

reviews as (select * from raw.reviews),

review_ratings as (select * from seeds.review_ratings),

-- A line's rows numbered from the earliest (file, then line): a single key for arg_max.
numbered as (
  select
    order_id,
    product_id,
    rated_at,
    rating,
    has_photo,
    review_text,
    row_number() over (partition by order_id, product_id order by _file_id, _line) as delivery_order
  from reviews
),

latest as (
  select
    order_id,
    product_id,
    arg_max(rated_at, delivery_order) as rated_at,
    arg_max(trim(rating), delivery_order) as rating_text,
    arg_max(has_photo, delivery_order) filter (where has_photo is not null) as has_photo,
    arg_max(trim(review_text), delivery_order) filter (where nullif(trim(review_text), '') is not null) as review_text
  from numbered
  group by order_id, product_id
),

final as (
  select
    latest.order_id,
    latest.product_id,
    latest.rated_at,
    review_ratings.rating::varchar as rating,
    coalesce(latest.has_photo, false) as has_photo,
    latest.review_text
  from latest
  left join review_ratings on review_ratings.rating_text = latest.rating_text
)

select * from final
