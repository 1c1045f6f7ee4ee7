-- Reviews (评价) by month of payment: the paid orders of the month (intermediate.int_paid_orders),
-- those with a review of any of their products rated up to the as-of date and their share (review
-- rate), the reviews (one per order and product) and the shares of them rated good (好评), neutral
-- (中评) and bad (差评) and with photos. A share over fewer than min_rate_members orders or reviews
-- is NULL (—). The months run from the first with a reviewed order to the as-of month, so that the
-- months before a shop's reviews export begins do not read as 0%; the recent months' rates are
-- still rising (month_complete, and buyers review days after receipt). No reviews file: no rows.
-- grain: month
-- tests: not_null(month_complete, paid_orders, reviewed_orders, reviews, good_reviews, neutral_reviews, bad_reviews, photo_reviews); accepted_range(review_rate, 0, 1); accepted_range(good_share, 0, 1); accepted_range(bad_share, 0, 1); accepted_range(photo_share, 0, 1)
with

paid_orders as (select * from intermediate.int_paid_orders),

reviews as (select * from staging.stg_reviews),

as_of as (select * from intermediate.int_as_of_date_resolved),

order_reviews as (
  select
    reviews.order_id,
    count(*) as reviews,
    count(*) filter (where reviews.rating = 'good') as good_reviews,
    count(*) filter (where reviews.rating = 'neutral') as neutral_reviews,
    count(*) filter (where reviews.rating = 'bad') as bad_reviews,
    count(*) filter (where reviews.has_photo) as photo_reviews
  from reviews
  cross join as_of
  where reviews.rated_at::date <= as_of.as_of_date
  group by reviews.order_id
),

monthly as (
  select
    paid_orders.month,
    count(*) as paid_orders,
    count(order_reviews.order_id) as reviewed_orders,
    coalesce(sum(order_reviews.reviews), 0)::bigint as reviews,
    coalesce(sum(order_reviews.good_reviews), 0)::bigint as good_reviews,
    coalesce(sum(order_reviews.neutral_reviews), 0)::bigint as neutral_reviews,
    coalesce(sum(order_reviews.bad_reviews), 0)::bigint as bad_reviews,
    coalesce(sum(order_reviews.photo_reviews), 0)::bigint as photo_reviews
  from paid_orders
  left join order_reviews on order_reviews.order_id = paid_orders.order_id
  group by paid_orders.month
),

final as (
  select
    monthly.month,
    last_day(monthly.month) <= as_of.as_of_date as month_complete,
    monthly.paid_orders,
    monthly.reviewed_orders,
    rate_over(monthly.reviewed_orders, monthly.paid_orders) as review_rate,
    monthly.reviews,
    monthly.good_reviews,
    monthly.neutral_reviews,
    monthly.bad_reviews,
    monthly.photo_reviews,
    rate_over(monthly.good_reviews, monthly.reviews) as good_share,
    rate_over(monthly.neutral_reviews, monthly.reviews) as neutral_share,
    rate_over(monthly.bad_reviews, monthly.reviews) as bad_share,
    rate_over(monthly.photo_reviews, monthly.reviews) as photo_share
  from monthly
  cross join as_of
  where monthly.month >= (select min(month) from monthly where reviewed_orders > 0)
)

select * from final
