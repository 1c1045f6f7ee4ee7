-- The shop repurchase cycle C: the shop_cycle_days parameter, or else the median number of
-- days between consecutive purchase occasions of the same member.
-- grain: shop_cycle_days
-- tests: not_null(shop_cycle_days)
with

occasions as (select * from intermediate.int_purchase_occasions),

measured as (
  select median(days_since_previous) as median_interval_days
  from occasions
  where days_since_previous is not null
),

final as (
  select coalesce(getvariable('shop_cycle_days'), median_interval_days::double) as shop_cycle_days -- days
  from measured
)

select * from final
