-- Each member's lifecycle stage at each month end up to the as-of date, by the rules of
-- models/macros.sql (lifecycle_stage) applied to the occasions up to that day, with the current
-- shop cycle C for every month end. A member enters from the month it joined or first ordered.
-- previous_stage is the stage at the previous month end (NULL in the member's first month), and
-- bought_next_month says whether the member has an occasion in the following month.
-- grain: member_id, month_end
-- tests: not_null(stage)
with

members_first_seen as (select * from intermediate.int_members_first_seen),

occasions as (select * from intermediate.int_purchase_occasions),

month_ends as (select * from intermediate.int_month_ends),

shop_cycle as (select * from intermediate.int_shop_cycle_measured),

monthly_occasions as (
  select member_id, last_day(occasion_date)::date as month_end, count(*) as occasions, max(occasion_date) as last_date
  from occasions
  group by member_id, last_day(occasion_date)
),

member_months as (
  select
    members_first_seen.member_id,
    month_ends.month_end,
    coalesce(sum(monthly_occasions.occasions) over member_history, 0) as occasions_to_date,
    max(monthly_occasions.last_date) over member_history as last_purchase_date,
    lead(monthly_occasions.occasions) over member_history is not null as bought_next_month
  from members_first_seen
  inner join month_ends on month_ends.month_end >= members_first_seen.first_seen_date
  left join monthly_occasions
    on monthly_occasions.member_id = members_first_seen.member_id and monthly_occasions.month_end = month_ends.month_end
  window member_history as (partition by members_first_seen.member_id order by month_ends.month_end)
),

staged as (
  select
    member_months.*,
    lifecycle_stage(member_months.occasions_to_date, member_months.month_end - member_months.last_purchase_date, shop_cycle.shop_cycle_days) as stage
  from member_months
  cross join shop_cycle
),

final as (
  select
    member_id,
    month_end,
    stage,
    lag(stage) over (partition by member_id order by month_end) as previous_stage,
    bought_next_month
  from staged
)

select * from final
