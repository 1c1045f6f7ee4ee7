-- Shipping speed (发货) by month of payment, over the paid orders with a shipment
-- (intermediate.int_shipments_timed): the median (P50) and P90 hours from payment to the first
-- parcel shipped; the orders shipped within ship_within_hours (the course notes' norm, 24 h) and
-- their share; the orders paid in a promotion window (seeds/promotion_windows.csv: 双11, 618,
-- 年货节, 双12) and the share of them shipped within promotion_ship_within_hours (大促: 3 days).
-- A share over fewer than min_rate_members orders is NULL (—). The norms are columns so that a
-- page draws them from the data. A shop without a shipments file has no rows; a month without
-- shipments has none either.
-- grain: month
-- tests: not_null(month_complete, shipped_orders, p50_hours_to_ship, p90_hours_to_ship, within_norm_orders, promotion_orders); accepted_range(within_norm_share, 0, 1); accepted_range(promotion_within_norm_share, 0, 1)
with

shipments as (select * from intermediate.int_shipments_timed),

as_of as (select * from intermediate.int_as_of_date_resolved),

monthly as (
  select
    date_trunc('month', paid_at)::date as month,
    count(*) as shipped_orders,
    percentile_cont(0.5) within group (order by hours_to_ship) as p50_hours_to_ship,
    percentile_cont(0.9) within group (order by hours_to_ship) as p90_hours_to_ship,
    count(*) filter (where within_norm) as within_norm_orders,
    count(*) filter (where promotion_window is not null) as promotion_orders,
    count(*) filter (where promotion_window is not null and within_promotion_norm) as promotion_within_norm_orders
  from shipments
  group by 1
),

final as (
  select
    monthly.month,
    last_day(monthly.month) <= as_of.as_of_date as month_complete,
    monthly.shipped_orders,
    monthly.p50_hours_to_ship,
    monthly.p90_hours_to_ship,
    getvariable('ship_within_hours') as ship_within_hours,
    monthly.within_norm_orders,
    rate_over(monthly.within_norm_orders, monthly.shipped_orders) as within_norm_share,
    getvariable('promotion_ship_within_hours') as promotion_ship_within_hours,
    monthly.promotion_orders,
    monthly.promotion_within_norm_orders,
    rate_over(monthly.promotion_within_norm_orders, monthly.promotion_orders) as promotion_within_norm_share
  from monthly
  cross join as_of
)

select * from final
