-- One row per buyer: its first and second purchase occasions up to the as-of date
-- (int_member_occasions_summarized, so purchase_grain decides what one occasion is): first_date, the month
-- of it (first_month, the buyer's cohort and the month it is a new buyer), whether an order of it
-- had a coupon, and second_date (NULL until there is one). The one definition of a buyer's first
-- and second purchase for the new-buyer counts, the cohorts and the second-purchase rate.
-- grain: member_id
-- tests: not_null(first_date, first_month, first_used_coupon)
with

summary as (select * from intermediate.int_member_occasions_summarized),

final as (
  select
    member_id,
    first_occasion_date as first_date,
    date_trunc('month', first_occasion_date)::date as first_month,
    first_used_coupon,
    second_occasion_date as second_date
  from summary
)

select * from final
