-- Members by their lifecycle stage at each month end (to_stage) and at the month end before it
-- (from_stage; 'entered' for members new in the snapshots since), from intermediate.
-- int_member_stages_dated. A stage holds from its day to the member's next one, so each stage's
-- members on a day are a running count (+1 on its first day, -1 on its end); members whose stage
-- did not change between two month ends stay on the diagonal, and only the moves are counted
-- member by member.
-- grain: month_end, from_stage, to_stage
-- tests: not_null(to_stage, members)
with

stage_days as (select * from intermediate.int_member_stages_dated),

month_ends as (select * from intermediate.int_month_ends),

stage_moves as (
  select stage, changed_on as day, 1 as members from stage_days
  union all
  select stage, valid_to as day, -1 as members from stage_days where valid_to is not null
),

-- Summed by day first, so that each month end joins a few hundred days, not every change.
stage_moves_daily as (
  select stage, day, sum(members) as members from stage_moves group by stage, day
),

held as (
  select month_ends.month_end, stage_moves_daily.stage, sum(stage_moves_daily.members) as members
  from month_ends
  inner join stage_moves_daily on stage_moves_daily.day <= month_ends.month_end
  group by month_ends.month_end, stage_moves_daily.stage
),

-- A stage holds at a month end from the end of the month it began in, if it has not ended by
-- then; one that began and ended within a month holds at none. Followed member by member, each
-- stage that holds at a month end comes after the member's stage at the month end before (none
-- for a member new since): the moves are one pass over the members' stages, not a lookup of two
-- days per member and month.
month_end_stages as (
  select
    last_day(changed_on) as month_end,
    lag(stage) over (partition by member_id order by changed_on) as from_stage,
    stage as to_stage
  from stage_days
  where last_day(changed_on) < coalesce(valid_to, 'infinity'::date)
),

moved as (
  select month_end_stages.month_end, month_end_stages.from_stage, month_end_stages.to_stage, count(*) as members
  from month_end_stages
  inner join month_ends on month_ends.month_end = month_end_stages.month_end and month_ends.previous_month_end is not null
  where month_end_stages.from_stage is not null
  group by month_end_stages.month_end, month_end_stages.from_stage, month_end_stages.to_stage
),

moved_from as (
  select month_end, from_stage, sum(members) as members from moved group by month_end, from_stage
),

stayed as (
  select month_ends.month_end, held_before.stage as from_stage, held_before.stage as to_stage,
         held_before.members - coalesce(moved_from.members, 0) as members
  from month_ends
  inner join held as held_before on held_before.month_end = month_ends.previous_month_end
  left join moved_from on moved_from.month_end = month_ends.month_end and moved_from.from_stage = held_before.stage
),

known_before as (
  select month_end, from_stage, to_stage, sum(members) as members
  from (select * from stayed union all select * from moved)
  group by month_end, from_stage, to_stage
),

-- Members at the month end not known at the previous one.
entered as (
  select held.month_end, 'entered' as from_stage, held.stage as to_stage,
         held.members - coalesce(sum(known_before.members), 0) as members
  from held
  left join known_before on known_before.month_end = held.month_end and known_before.to_stage = held.stage
  group by held.month_end, held.stage, held.members
),

final as (
  select * from known_before where members > 0
  union all
  select * from entered where members > 0
)

select * from final
