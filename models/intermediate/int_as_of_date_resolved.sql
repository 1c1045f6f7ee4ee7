-- The as-of date of every metric: the as_of_date parameter, or else the day of the latest
-- purchase in the data, but never after today in the shop's time zone (shop_today, a variable the
-- build sets from the clock: no model reads the clock itself, so a build is reproducible from its
-- inputs). Orders after tomorrow are quarantined at load, so a purchase dated tomorrow is the most
-- the cap meets: it keeps such a row from moving every member's recency. An as_of_date parameter
-- after today is refused before the build.
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
  select
    coalesce(
      getvariable('as_of_date'),
      -- least() would make a shop without purchases as of today: it has no as-of date.
      case when latest_purchase_date > getvariable('shop_today') then getvariable('shop_today') else latest_purchase_date end
    ) as as_of_date
  from latest_purchase
)

select * from final
