-- Whether the service journey brings members back: members by an experience of theirs, and the
-- share of them whose next purchase occasion came within maturity_days of it (the maturity rule:
-- only members whose experience is old enough to judge, macros old_enough_to_judge and
-- next_purchase_in_time), with the 95% Wilson interval of that share. NULL (—) with its interval
-- when fewer than min_rate_members members are judged (a column, for the page to say so).
-- - first_order_shipping: the member's first purchase occasion, 'within_24h' when every order of
--   it with a shipment shipped within ship_within_hours of payment, else 'later' (members whose
--   first purchase has no shipment are left out); the next occasion is the second.
-- - review_rating: the member's first review of each rating (good, neutral, bad; a member who
--   left both a good and a bad review is in both arms), from its order: the next occasion is the
--   first that began after that order was placed.
-- - refund_reason: the member's first successful refund, by its reason_code, from the refunded
--   order as above; against 'no_refund', the members with a purchase and no successful refund,
--   from their first purchase occasion.
-- An experience dated after the as-of date is not counted. experience_label and arm_label from
-- seeds/code_labels.csv (service_experience; shipping_speed, review_rating, refund_reason),
-- experience_order and arm_order their order. An experience whose file the shop lacks has no rows.
-- grain: experience, arm
-- tests: accepted_values(experience, 'first_order_shipping', 'review_rating', 'refund_reason'); not_null(experience_label, experience_order, arm_label, arm_order, members, judged_members, repurchased); accepted_range(repurchase_rate, 0, 1); accepted_range(ci_low, 0, 1); accepted_range(ci_high, 0, 1)
with

purchases as (select * from intermediate.int_purchases_keyed),

first_purchases as (select * from intermediate.int_member_first_purchases),

occasions as (select * from intermediate.int_purchase_occasions),

shipments as (select * from intermediate.int_shipments_timed),

paid_orders as (select * from intermediate.int_paid_orders),

reviews as (select * from staging.stg_reviews),

refunds as (select * from staging.stg_refunds),

as_of as (select * from intermediate.int_as_of_date_resolved),

code_labels as (select * from intermediate.int_code_labels),

purchases_with_first as (
  select
    member_id,
    order_id,
    occasion_key,
    first_value(occasion_key) over (partition by member_id order by purchased_at, order_id) as first_occasion_key
  from purchases
),

first_occasion_orders as (
  select member_id, order_id
  from purchases_with_first
  where occasion_key = first_occasion_key
),

first_order_shipping as (
  select
    first_purchases.member_id,
    'first_order_shipping' as experience,
    case when bool_and(shipments.within_norm) then 'within_24h' else 'later' end as arm,
    first_purchases.first_date as experience_date,
    first_purchases.second_date - first_purchases.first_date as days_to_next
  from first_purchases
  inner join first_occasion_orders on first_occasion_orders.member_id = first_purchases.member_id
  inner join shipments on shipments.order_id = first_occasion_orders.order_id
  group by first_purchases.member_id, first_purchases.first_date, first_purchases.second_date
),

-- A member's reviews of a rating numbered from the first (rated, then order and product): a single
-- key for arg_min.
reviews_ordered as (
  select
    paid_orders.member_id,
    reviews.rating,
    paid_orders.purchased_at,
    row_number() over (
      partition by paid_orders.member_id, reviews.rating
      order by reviews.rated_at, reviews.order_id, reviews.product_id
    ) as review_order
  from reviews
  inner join paid_orders on paid_orders.order_id = reviews.order_id
  cross join as_of
  where reviews.rated_at::date <= as_of.as_of_date
),

first_reviews as (
  select
    member_id,
    'review_rating' as experience,
    rating as arm,
    arg_min(purchased_at, review_order) as ordered_at
  from reviews_ordered
  group by member_id, rating
),

-- A member's successful refunds numbered from the first (requested, then refund id).
refunds_ordered as (
  select
    paid_orders.member_id,
    refunds.reason_code,
    paid_orders.purchased_at,
    row_number() over (partition by paid_orders.member_id order by refunds.requested_at, refunds.refund_id) as refund_order
  from refunds
  inner join paid_orders on paid_orders.order_id = refunds.order_id
  cross join as_of
  where refunds.status = 'success' and refunds.requested_at::date <= as_of.as_of_date
),

first_refunds as (
  select
    member_id,
    'refund_reason' as experience,
    arg_min(reason_code, refund_order) as arm,
    arg_min(purchased_at, refund_order) as ordered_at
  from refunds_ordered
  group by member_id
),

ordered_experiences as (
  select * from first_reviews
  union all
  select * from first_refunds
),

followed_orders as (
  select
    ordered_experiences.member_id,
    ordered_experiences.experience,
    ordered_experiences.arm,
    ordered_experiences.ordered_at::date as experience_date,
    min(occasions.occasion_date) - ordered_experiences.ordered_at::date as days_to_next
  from ordered_experiences
  left join occasions on occasions.member_id = ordered_experiences.member_id and occasions.occasion_at > ordered_experiences.ordered_at
  group by ordered_experiences.member_id, ordered_experiences.experience, ordered_experiences.arm, ordered_experiences.ordered_at
),

not_refunded as (
  select
    first_purchases.member_id,
    'refund_reason' as experience,
    'no_refund' as arm,
    first_purchases.first_date as experience_date,
    first_purchases.second_date - first_purchases.first_date as days_to_next
  from first_purchases
  where exists (select 1 from first_refunds)
    and first_purchases.member_id not in (select member_id from first_refunds)
),

experiences as (
  select * from first_order_shipping
  union all
  select * from followed_orders
  union all
  select * from not_refunded
),

judged as (
  select
    experiences.experience,
    experiences.arm,
    old_enough_to_judge(experiences.experience_date, as_of.as_of_date) as is_judged,
    next_purchase_in_time(experiences.days_to_next) as came_back
  from experiences
  cross join as_of
),

by_arm as (
  select
    experience,
    arm,
    count(*) as members,
    count(*) filter (where is_judged) as judged_members,
    count(*) filter (where is_judged and came_back) as repurchased,
    rate_over(count(*) filter (where is_judged and came_back), count(*) filter (where is_judged)) as repurchase_rate
  from judged
  group by experience, arm
),

final as (
  select
    by_arm.experience,
    experience_labels.label as experience_label,
    experience_labels.code_order as experience_order,
    by_arm.arm,
    arm_labels.label as arm_label,
    arm_labels.code_order as arm_order,
    by_arm.members,
    by_arm.judged_members,
    by_arm.repurchased,
    by_arm.repurchase_rate,
    case when by_arm.repurchase_rate is not null then wilson_low(by_arm.repurchased, by_arm.judged_members) end as ci_low,
    case when by_arm.repurchase_rate is not null then wilson_high(by_arm.repurchased, by_arm.judged_members) end as ci_high,
    getvariable('min_rate_members') as min_rate_members
  from by_arm
  left join code_labels as experience_labels on experience_labels.code_set = 'service_experience' and experience_labels.code = by_arm.experience
  left join code_labels as arm_labels
    on arm_labels.code = by_arm.arm
    and arm_labels.code_set = case by_arm.experience when 'first_order_shipping' then 'shipping_speed' else by_arm.experience end
)

select * from final
