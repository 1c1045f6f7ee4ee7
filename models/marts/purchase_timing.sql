-- When members buy: purchases, buyers and net revenue by weekday (1 = Monday … 7 = Sunday,
-- seeds/weekdays.csv; weekday_label = 中文 English) and hour of the purchase time, up to the
-- as-of date.
-- grain: weekday, hour
-- tests: accepted_range(weekday, 1, 7); accepted_range(hour, 0, 23); not_null(weekday_zh, purchases, buyers)
with

orders as (select * from staging.stg_orders),

as_of as (select * from intermediate.int_as_of_date_resolved),

weekdays as (select * from seeds.weekdays),

by_slot as (
  select
    extract(isodow from orders.purchased_at) as weekday,
    extract(hour from orders.purchased_at) as hour,
    count(*) as purchases,
    count(distinct orders.member_id) as buyers,
    sum(orders.net_amount)::decimal(18, 2) as revenue
  from orders
  cross join as_of
  where orders.is_purchase and orders.purchased_at::date <= as_of.as_of_date
  group by 1, 2
),

final as (
  select by_slot.weekday, weekdays.weekday_zh, weekdays.weekday_name, weekdays.weekday_zh || ' ' || weekdays.weekday_name as weekday_label, by_slot.hour, by_slot.purchases, by_slot.buyers, by_slot.revenue
  from by_slot
  left join weekdays on weekdays.weekday = by_slot.weekday
)

select * from final
