-- Lifecycle stages snapshotted at each month end up to the as-of date, with the current shop
-- cycle C applied to every snapshot. A member enters the snapshots from the month it joined or
-- first ordered. moved_in: members of the stage whose stage at the previous month end was another
-- or who are new. woke_up: members of the stage who bought in the following month (for sleeping
-- members, the wake-up); NULL while that month is not over by the as-of date.
-- grain: month_end, stage
-- tests: not_null(stage_zh, members, moved_in); relationships(stage, seeds.lifecycle_stages, stage)
with

members_first_seen as (select * from intermediate.int_members_first_seen),

occasions as (select * from intermediate.int_purchase_occasions),

as_of as (select * from intermediate.int_as_of_date_resolved),

shop_cycle as (select * from intermediate.int_shop_cycle_measured),

stages as (select * from seeds.lifecycle_stages),

month_ends as (
  select last_day(month_start)::date as month_end
  from as_of
  cross join (select min(first_seen_date) as first_date from members_first_seen) as bounds
  cross join generate_series(date_trunc('month', bounds.first_date), date_trunc('month', as_of.as_of_date), interval 1 month) as months(month_start)
  where last_day(month_start) <= as_of.as_of_date
),

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
    lead(monthly_occasions.occasions) over member_history is not null as bought_next_month,
    lead(month_ends.month_end) over member_history as next_month_end
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

transitions as (
  select
    *,
    lag(stage) over (partition by member_id order by month_end) as previous_stage
  from staged
),

by_stage as (
  select
    month_end,
    stage,
    count(*) as members,
    count(*) filter (where previous_stage is distinct from stage) as moved_in,
    count(*) filter (where bought_next_month) as bought_next_month
  from transitions
  group by month_end, stage
),

final as (
  select
    month_ends.month_end,
    stages.stage,
    stages.stage_zh,
    stages.stage_order,
    coalesce(by_stage.members, 0) as members,
    coalesce(by_stage.moved_in, 0) as moved_in,
    case when last_day(month_ends.month_end + 1) <= as_of.as_of_date then coalesce(by_stage.bought_next_month, 0) end as woke_up,
    case when last_day(month_ends.month_end + 1) <= as_of.as_of_date then coalesce(by_stage.bought_next_month, 0) / nullif(by_stage.members, 0) end as wake_up_rate
  from month_ends
  cross join stages
  cross join as_of
  left join by_stage on by_stage.month_end = month_ends.month_end and by_stage.stage = stages.stage
)

select * from final
