-- Each member's level (会员等级) over time up to the as-of date, on the days it can change: a day a
-- completed purchase enters or leaves the member's window, and the as-of date. The level is the
-- member_level macro (the highest rule of seeds/member_levels.csv met by net revenue or by count)
-- on the completed purchases (status completed, net value above zero) purchased by the day; with
-- level_window_days set (保级), only those of the last that many days up to the day count. The
-- level of such a day holds until the member's next one (valid_to, exclusive; NULL on the last);
-- before its first, a member holds the lowest level. level_changed marks the days it changed.
-- Totals come from running sums per member, so no member is evaluated on days nothing happens.
-- grain: member_id, evaluated_on
-- tests: not_null(member_level, level_rank, completed_revenue, completed_purchases)
with

orders as (select * from staging.stg_orders),

as_of as (select * from intermediate.int_as_of_date_resolved),

levels as (select * from seeds.member_levels),

completed_days as (
  select orders.member_id, orders.purchased_at::date as purchase_date, sum(orders.net_amount) as revenue, count(*) as purchases
  from orders
  cross join as_of
  where orders.is_purchase and orders.status = 'completed' and orders.net_amount > 0 and orders.purchased_at::date <= as_of.as_of_date
  group by orders.member_id, orders.purchased_at::date
),

running as (
  select
    member_id,
    purchase_date,
    sum(revenue) over member_days as running_revenue,
    sum(purchases) over member_days as running_purchases
  from completed_days
  window member_days as (partition by member_id order by purchase_date rows between unbounded preceding and current row)
),

-- The days a member's total can change: a purchase day, the day a purchase leaves the window,
-- and the as-of date.
change_days as (
  select member_id, purchase_date as day from completed_days
  union
  select completed_days.member_id, completed_days.purchase_date + getvariable('level_window_days') as day
  from completed_days
  cross join as_of
  where getvariable('level_window_days') is not null
    and completed_days.purchase_date + getvariable('level_window_days') <= as_of.as_of_date
  union
  select distinct completed_days.member_id, as_of.as_of_date as day
  from completed_days
  cross join as_of
),

window_bounds as (
  select
    member_id,
    day,
    -- The last day that no longer counts: a purchase on or before it is out of the window.
    case when getvariable('level_window_days') is not null then day - getvariable('level_window_days') end as window_gone
  from change_days
),

totals as (
  select
    window_bounds.member_id,
    window_bounds.day,
    coalesce(up_to_day.running_revenue, 0) - coalesce(gone.running_revenue, 0) as completed_revenue,
    coalesce(up_to_day.running_purchases, 0) - coalesce(gone.running_purchases, 0) as completed_purchases
  from window_bounds
  asof left join running as up_to_day
    on up_to_day.member_id = window_bounds.member_id and window_bounds.day >= up_to_day.purchase_date
  asof left join running as gone
    on gone.member_id = window_bounds.member_id and window_bounds.window_gone >= gone.purchase_date
),

levelled as (
  select
    totals.*,
    member_level(totals.completed_revenue, totals.completed_purchases) as member_level
  from totals
),

final as (
  select
    levelled.member_id,
    levelled.day as evaluated_on,
    lead(levelled.day) over member_days as valid_to,
    levelled.member_level,
    levels.level_rank,
    levelled.member_level is distinct from lag(levelled.member_level) over member_days as level_changed,
    levelled.completed_revenue::decimal(18, 2) as completed_revenue,
    levelled.completed_purchases
  from levelled
  inner join levels on levels.level = levelled.member_level
  window member_days as (partition by levelled.member_id order by levelled.day)
)

select * from final
