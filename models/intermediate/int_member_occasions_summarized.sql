-- The member state the member-grain marts project: one row per member with a purchase occasion up
-- to the as-of date (int_purchase_occasions_numbered, so purchase_grain decides what one occasion
-- is), with what does not move with the as-of date itself: the first, second and last occasion,
-- how many occasions and purchases, the net revenue, the mean days between occasions and the mean
-- net value of the repeat occasions. Recency, T and the lifecycle stage are computed from it at
-- every build by its readers (member_facts, int_member_repeat_history). A member's row depends only
-- on that member's occasions up to the as-of date, so a refresh rebuilds only the members with
-- changed orders and those a new as-of date gives an occasion or takes one from.
-- grain: member_id
-- materialized: incremental
-- incremental_key: member_id
-- as_of_cut: intermediate.int_purchase_occasions_numbered.occasion_date <= intermediate.int_as_of_date_resolved.as_of_date
-- tests: not_null(first_occasion_at, last_occasion_at, first_used_coupon, occasions, purchases, revenue)
with

occasions as (select * from intermediate.int_purchase_occasions_numbered),

as_of as (select * from intermediate.int_as_of_date_resolved),

-- The cut of the view int_purchase_occasions, written here: an incremental model reads by key
-- only raw tables and incremental models, whose changes can be traced.
occasions_to_date as (
  select occasions.*
  from occasions
  cross join as_of
  where occasions.occasion_date <= as_of.as_of_date
),

final as (
  select
    member_id,
    min(occasion_at) as first_occasion_at,
    max(occasion_at) as last_occasion_at,
    min(occasion_date) as first_occasion_date,
    bool_or(coupon_orders > 0) filter (where occasion_number = 1) as first_used_coupon,
    min(occasion_date) filter (where occasion_number = 2) as second_occasion_date,
    max(occasion_date) as last_occasion_date,
    count(*) as occasions,
    sum(orders) as purchases,
    sum(revenue) as revenue, -- net of refunds
    avg(days_since_previous) as avg_interval_days,
    avg(revenue) filter (where occasion_number > 1) as mean_repeat_value
  from occasions_to_date
  group by member_id
)

select * from final
