-- Every month end from the month the first member became known to the as-of date (the as-of
-- month's end only when the as-of date is that day): the dates of the monthly snapshots, each
-- with the month end before it (NULL for the first).
-- grain: month_end
with

members_first_seen as (select * from intermediate.int_members_first_seen),

as_of as (select * from intermediate.int_as_of_date_resolved),

month_ends as (
  select last_day(month_start)::date as month_end
  from as_of
  cross join (select min(first_seen_date) as first_date from members_first_seen) as bounds
  cross join generate_series(date_trunc('month', bounds.first_date), date_trunc('month', as_of.as_of_date), interval '1 month') as months(month_start)
  where last_day(month_start) <= as_of.as_of_date
),

final as (
  select month_end, lag(month_end) over (order by month_end) as previous_month_end
  from month_ends
)

select * from final
