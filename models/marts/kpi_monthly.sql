-- Monthly KPIs from the first purchase month to the as-of month (the last month may be partial:
-- month_complete). Buyers have a purchase occasion in the month; new buyers made their first one
-- in it, returning buyers had purchased before it. AOV (笔单价) = revenue / purchase orders;
-- revenue per buyer (客单价) = revenue / buyers; repurchase_rate (月内复购率) = buyers with 2+
-- occasions in the month / buyers; repurchase_rate_12m (复购率) = among members with an occasion
-- in the repurchase_window_days (365) days up to the month's end (the as-of date for the partial month), the share with 2+
-- occasions in those days. Second-purchase rate (二次购买率) of the month's new buyers: among those whose
-- first purchase is at least maturity_days before the as-of date, the share with a second
-- occasion within maturity_days (NULL while none is old enough; int_member_first_purchases and the
-- macros old_enough_to_judge and next_purchase_in_time). members_total: members known
-- by the month's end (joined or ordered).
-- grain: month
-- tests: accepted_range(repurchase_rate, 0, 1); accepted_range(repurchase_rate_12m, 0, 1); accepted_range(returning_buyer_share, 0, 1); accepted_range(second_purchase_rate, 0, 1); not_null(buyers, revenue, members_total)
with

orders as (select * from staging.stg_orders),

occasions as (select * from intermediate.int_purchase_occasions),

as_of as (select * from intermediate.int_as_of_date_resolved),

members_first_seen as (select * from intermediate.int_members_first_seen),

first_purchases as (select * from intermediate.int_member_first_purchases),

months as (
  select month_start::date as month
  from as_of
  cross join (select min(first_date) as first_date from first_purchases) as bounds
  cross join generate_series(date_trunc('month', bounds.first_date), date_trunc('month', as_of.as_of_date), interval '1 month') as series(month_start)
),

buyer_months as (
  select
    occasions.member_id,
    date_trunc('month', occasions.occasion_date)::date as month,
    count(*) as occasions,
    sum(occasions.revenue) as revenue
  from occasions
  group by 1, 2
),

buyer_months_flagged as (
  select
    buyer_months.*,
    first_purchases.first_date < buyer_months.month as is_returning
  from buyer_months
  inner join first_purchases on first_purchases.member_id = buyer_months.member_id
),

buyers_by_month as (
  select
    month,
    count(*) as buyers,
    count(*) filter (where not is_returning) as new_buyers,
    count(*) filter (where is_returning) as returning_buyers,
    count(*) filter (where occasions >= 2) as repeat_buyers,
    sum(revenue) as revenue,
    coalesce(sum(revenue) filter (where is_returning), 0) as returning_revenue
  from buyer_months_flagged
  group by month
),

orders_by_month as (
  select date_trunc('month', orders.purchased_at)::date as month, count(*) as purchases
  from orders
  cross join as_of
  where orders.is_purchase and orders.purchased_at::date <= as_of.as_of_date
  group by 1
),

second_purchases as (
  select
    first_purchases.first_month as month,
    count(*) as matured_new_buyers,
    count(*) filter (where next_purchase_in_time(first_purchases.second_date - first_purchases.first_date)) as second_purchasers
  from first_purchases
  cross join as_of
  where old_enough_to_judge(first_purchases.first_date, as_of.as_of_date)
  group by 1
),

-- repurchase_rate_12m at a month end e: a member counts when the latest occasion up to e is within
-- the window (e < its day + W), and repeats when the one before it is too. An occasion is the
-- latest for e from its day to the next one's, so both are spells, counted at the month ends as in
-- intermediate.int_stage_moves_monthly (a running sum of their moves, summed by day first): not
-- every month joined with a year of occasions.
occasion_spans as (
  select
    occasion_number,
    occasion_date,
    lead(occasion_date) over member_occasions as next_date,
    lag(occasion_date) over member_occasions as previous_date
  from occasions
  window member_occasions as (partition by member_id order by occasion_number)
),

-- least() skips NULLs: a last occasion holds until the window ends. A first occasion, with none
-- before it, never repeats; one whose previous occasion is older than the window ends before it
-- starts and so holds on no day.
window_spells as (
  select 'active' as spell, occasion_date as from_day, least(next_date, occasion_date + getvariable('repurchase_window_days')) as to_day
  from occasion_spans
  union all
  select 'repeating' as spell, occasion_date as from_day, least(next_date, previous_date + getvariable('repurchase_window_days')) as to_day
  from occasion_spans
  where occasion_number > 1
),

reading_days as (
  select months.month, least(last_day(months.month), as_of.as_of_date) as day
  from months
  cross join as_of
),

spell_moves as (
  select spell, from_day as day, 1 as held from window_spells where to_day is null or to_day > from_day
  union all
  select spell, to_day as day, -1 as held from window_spells where to_day > from_day
),

spell_moves_daily as (
  select spell, day, sum(held) as held from spell_moves group by spell, day
),

window_spells_held as (
  select reading_days.day, spell_moves_daily.spell, sum(spell_moves_daily.held) as held
  from reading_days
  inner join spell_moves_daily on spell_moves_daily.day <= reading_days.day
  group by reading_days.day, spell_moves_daily.spell
),

trailing_year_repurchase as (
  select reading_days.month, coalesce(repeating.held, 0)::float8 / nullif(active.held, 0) as repurchase_rate_12m
  from reading_days
  left join window_spells_held as active on active.day = reading_days.day and active.spell = 'active'
  left join window_spells_held as repeating on repeating.day = reading_days.day and repeating.spell = 'repeating'
),

members_seen_daily as (
  select first_seen_date as day, count(*) as members from members_first_seen group by first_seen_date
),

members_by_month as (
  select months.month, coalesce(sum(members_seen_daily.members), 0)::bigint as members_total
  from months
  left join members_seen_daily on members_seen_daily.day < months.month + interval '1 month'
  group by months.month
),

final as (
  select
    months.month,
    last_day(months.month) <= as_of.as_of_date as month_complete,
    coalesce(buyers_by_month.buyers, 0) as buyers,
    coalesce(buyers_by_month.new_buyers, 0) as new_buyers,
    coalesce(buyers_by_month.returning_buyers, 0) as returning_buyers,
    coalesce(buyers_by_month.revenue, 0)::decimal(18, 2) as revenue,
    coalesce(orders_by_month.purchases, 0) as purchases,
    money_ratio(buyers_by_month.revenue, 1, orders_by_month.purchases) as aov, -- 笔单价
    money_ratio(buyers_by_month.revenue, 1, buyers_by_month.buyers) as revenue_per_buyer, -- 客单价
    buyers_by_month.repeat_buyers::float8 / nullif(buyers_by_month.buyers, 0) as repurchase_rate, -- 月内复购率
    trailing_year_repurchase.repurchase_rate_12m, -- 复购率
    buyers_by_month.returning_buyers::float8 / nullif(buyers_by_month.buyers, 0) as returning_buyer_share,
    buyers_by_month.returning_revenue::float8 / nullif(buyers_by_month.revenue, 0) as returning_revenue_share,
    coalesce(returning_revenue, 0)::decimal(18, 2) as returning_revenue,
    second_purchases.matured_new_buyers,
    second_purchases.second_purchasers,
    second_purchases.second_purchasers::float8 / nullif(second_purchases.matured_new_buyers, 0) as second_purchase_rate,
    members_by_month.members_total
  from months
  cross join as_of
  left join buyers_by_month on buyers_by_month.month = months.month
  left join orders_by_month on orders_by_month.month = months.month
  left join second_purchases on second_purchases.month = months.month
  left join members_by_month on members_by_month.month = months.month
  left join trailing_year_repurchase on trailing_year_repurchase.month = months.month
)

select * from final
