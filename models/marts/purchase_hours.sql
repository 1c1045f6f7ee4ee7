-- The best hours to send a message: purchases by hour of the day (all weekdays), their share, and
-- the hours ranked by it; the best_send_hours (3) busiest hours are marked best.
-- grain: hour
-- tests: accepted_range(hour, 0, 23); accepted_range(share, 0, 1)
with

purchase_timing as (select * from marts.purchase_timing),

by_hour as (
  select hour, sum(purchases) as purchases, sum(revenue)::decimal(18, 2) as revenue
  from purchase_timing
  group by hour
),

final as (
  select
    hour,
    purchases,
    revenue,
    purchases::float8 / sum(purchases) over () as share,
    rank() over (order by purchases desc nulls last) as purchase_rank,
    rank() over (order by purchases desc nulls last) <= getvariable('best_send_hours') as is_best
  from by_hour
)

select * from final
