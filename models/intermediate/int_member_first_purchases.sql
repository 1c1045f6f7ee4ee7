-- One row per buyer: its first and second purchase occasions up to the as-of date
-- (int_purchase_occasions, so purchase_grain decides what one occasion is): first_date, the month
-- of it (first_month, the buyer's cohort and the month it is a new buyer), whether an order of it
-- had a coupon, and second_date (NULL until there is one). The one definition of a buyer's first
-- and second purchase for the new-buyer counts, the cohorts and the second-purchase rate.
-- grain: member_id
-- tests: not_null(first_date, first_month, first_used_coupon)
with

occasions as (select * from intermediate.int_purchase_occasions),

final as (
  select
    member_id,
    min(occasion_date) filter (where occasion_number = 1) as first_date,
    date_trunc('month', min(occasion_date) filter (where occasion_number = 1))::date as first_month,
    bool_or(coupon_orders > 0) filter (where occasion_number = 1) as first_used_coupon,
    min(occasion_date) filter (where occasion_number = 2) as second_date
  from occasions
  where occasion_number <= 2
  group by member_id
)

select * from final
