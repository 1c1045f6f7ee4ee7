-- Members by their lifecycle stage at each month end (to_stage) and at the month end before it
-- (from_stage; 'entered' for members new in the snapshots since), from intermediate.
-- int_member_stages_dated. A stage holds from its day to the member's next one, so each stage's
-- members on a day are a running count (+1 on its first day, -1 on its end); members whose stage
-- did not change between two month ends stay on the diagonal, and only those who changed are
-- followed one by one.
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

-- Members known at the previous month end whose stage changed since: their stage then and now.
changed as (
  select distinct stage_days.member_id, month_ends.month_end, month_ends.previous_month_end
  from stage_days
  inner join month_ends
    on stage_days.changed_on > month_ends.previous_month_end and stage_days.changed_on <= month_ends.month_end
  where stage_days.previous_stage is not null
),

-- A member's stage on a day is the spell that holds on it: joined by member, then the day (ASOF
-- joins grew with the square of the members here).
moved as (
  select changed.month_end, before.stage as from_stage, now.stage as to_stage, count(*) as members
  from changed
  inner join stage_days as now
    on now.member_id = changed.member_id
    and changed.month_end >= now.changed_on
    and changed.month_end < coalesce(now.valid_to, 'infinity'::date)
  inner join stage_days as before
    on before.member_id = changed.member_id
    and changed.previous_month_end >= before.changed_on
    and changed.previous_month_end < coalesce(before.valid_to, 'infinity'::date)
  group by changed.month_end, before.stage, now.stage
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
