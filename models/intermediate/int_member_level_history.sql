-- Each buyer's level (会员等级) over all the data, on the days it can change: a day a completed
-- purchase enters or leaves the member's window. The level is the member_level macro (the highest
-- rule of seeds/member_levels.csv met by net revenue or by count) on the completed purchases
-- (status completed, net value above zero) purchased by the day; with level_window_days set (保级),
-- only those of the last that many days up to the day count. The level of such a day holds until
-- the member's next one (valid_to, exclusive; NULL on the last). level_changed marks the days it
-- changed. Totals are running sums of each purchase's steps in and out of the window, so no member
-- is evaluated on days nothing happens. Nothing here depends on the as-of date, so a refresh
-- rebuilds only the members whose orders changed; int_member_levels_dated cuts it at the as-of date.
-- grain: member_id, evaluated_on
-- materialized: incremental
-- incremental_key: member_id
-- tests: not_null(member_level, level_rank, completed_revenue, completed_purchases)
with

orders as (select * from staging.stg_orders),

completed_days as (
  select member_id, purchased_at::date as purchase_date, sum(net_amount) as revenue, count(*) as purchases
  from orders
  where is_purchase and status = 'completed' and net_amount > 0
  group by member_id, purchased_at::date
),

-- A purchase counts from its day and, with a window, stops counting level_window_days later: the
-- totals on any day are running sums of these steps.
steps as (
  select member_id, purchase_date as day, revenue, purchases from completed_days
  union all
  select member_id, purchase_date + getvariable('level_window_days') as day, -revenue as revenue, -purchases as purchases
  from completed_days
  where getvariable('level_window_days') is not null
),

daily_steps as (
  select member_id, day, sum(revenue) as revenue, sum(purchases) as purchases
  from steps
  group by member_id, day
),

totals as (
  select
    member_id,
    day,
    sum(revenue) over member_days as completed_revenue,
    sum(purchases) over member_days as completed_purchases
  from daily_steps
  window member_days as (partition by member_id order by day rows between unbounded preceding and current row)
),

levelled as (
  select
    totals.*,
    member_level(totals.completed_revenue, totals.completed_purchases) as member_level,
    member_level_rank(totals.completed_revenue, totals.completed_purchases) as level_rank
  from totals
),

final as (
  select
    levelled.member_id,
    levelled.day as evaluated_on,
    lead(levelled.day) over member_days as valid_to,
    levelled.member_level,
    levelled.level_rank,
    levelled.member_level is distinct from lag(levelled.member_level) over member_days as level_changed,
    levelled.completed_revenue::decimal(18, 2) as completed_revenue,
    levelled.completed_purchases
  from levelled
  window member_days as (partition by levelled.member_id order by levelled.day)
)

select * from final
