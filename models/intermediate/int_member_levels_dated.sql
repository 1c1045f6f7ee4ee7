-- Each member's level (会员等级) on each month end and on the as-of date, from the day it became
-- known to the shop. The level (the member_level macro: the highest rule of seeds/member_levels.csv
-- met by net revenue or by count) counts its completed purchases (status completed, net value
-- above zero) purchased by that day. With
-- level_window_days set (保级), only the purchases of the last that many days up to the day count;
-- empty, every purchase since the first does.
-- grain: member_id, evaluated_on
-- tests: not_null(member_level, level_rank, completed_revenue, completed_purchases)
with

members_first_seen as (select * from intermediate.int_members_first_seen),

orders as (select * from staging.stg_orders),

month_ends as (select * from intermediate.int_month_ends),

as_of as (select * from intermediate.int_as_of_date_resolved),

levels as (select * from seeds.member_levels),

evaluation_dates as (
  select month_end as evaluated_on from month_ends
  union
  select as_of_date from as_of
),

completed_purchases as (
  select member_id, purchased_at::date as purchase_date, net_amount
  from orders
  where is_purchase and status = 'completed' and net_amount > 0
),

member_dates as (
  select members_first_seen.member_id, evaluation_dates.evaluated_on
  from members_first_seen
  inner join evaluation_dates on evaluation_dates.evaluated_on >= members_first_seen.first_seen_date
),

totals as (
  select
    member_dates.member_id,
    member_dates.evaluated_on,
    coalesce(sum(completed_purchases.net_amount), 0) as completed_revenue,
    count(completed_purchases.purchase_date) as completed_purchases
  from member_dates
  left join completed_purchases
    on completed_purchases.member_id = member_dates.member_id
   and completed_purchases.purchase_date <= member_dates.evaluated_on
   and (getvariable('level_window_days') is null or completed_purchases.purchase_date > member_dates.evaluated_on - getvariable('level_window_days'))
  group by member_dates.member_id, member_dates.evaluated_on
),

levelled as (
  select *, member_level(completed_revenue, completed_purchases) as member_level
  from totals
),

final as (
  select
    levelled.member_id,
    levelled.evaluated_on,
    levelled.completed_revenue::decimal(18, 2) as completed_revenue,
    levelled.completed_purchases,
    levelled.member_level,
    levels.level_rank
  from levelled
  inner join levels on levels.level = levelled.member_level
)

select * from final
