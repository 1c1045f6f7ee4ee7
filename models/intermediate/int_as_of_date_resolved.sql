-- The as-of date of every metric: the as_of_date parameter, or else the day of the latest
-- purchase in the data (never the wall clock, so results are reproducible).
-- grain: as_of_date
-- tests: not_null(as_of_date)
with

orders as (select * from staging.stg_orders),

latest_purchase as (
  select max(purchased_at)::date as latest_purchase_date
  from orders
  where is_purchase
),

final as (
  select coalesce(getvariable('as_of_date'), latest_purchase_date) as as_of_date
  from latest_purchase
)

select * from final
