-- The shop repurchase cycle C: the shop_cycle_days parameter, or else the median number of
-- days between consecutive purchase occasions of the same member. Without any repeat purchase
-- there is no cycle (NULL), and lifecycle stages then follow occasions only.
-- grain: cycle_source
-- tests: accepted_values(cycle_source, 'parameter', 'median interval', 'no repeat purchases')
with

occasions as (select * from intermediate.int_purchase_occasions),

measured as (
  select percentile_cont(0.5) within group (order by days_since_previous) as median_interval_days
  from occasions
  where days_since_previous is not null
),

final as (
  select
    coalesce(getvariable('shop_cycle_days'), median_interval_days::float8) as shop_cycle_days, -- days
    case
      when getvariable('shop_cycle_days') is not null then 'parameter'
      when median_interval_days is not null then 'median interval'
      else 'no repeat purchases'
    end as cycle_source
  from measured
)

select * from final
