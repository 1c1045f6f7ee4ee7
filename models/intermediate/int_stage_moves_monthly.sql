-- Members by their lifecycle stage at each month end (to_stage) and at the month end before it
-- (from_stage; 'entered' for members new in the snapshots since), from intermediate.
-- int_member_stages_dated. A stage holds from its day to the member's next one, so each stage's
-- members at a month end are a count of spells (spell_moves below); members whose
-- stage did not change between two month ends stay on the diagonal, and only the moves are
-- counted member by member.
-- grain: month_end, from_stage, to_stage
-- tests: not_null(to_stage, members)
with

stage_days as (select * from intermediate.int_member_stages_dated),

month_ends as (select * from intermediate.int_month_ends),

stage_spells as (
  select stage as spell, changed_on as from_day, valid_to as to_day from stage_days
),

-- How many spells hold at each month end (kpi_monthly and member_levels_monthly count theirs the
-- same way). A spell holds from from_day up to to_day, exclusive (NULL: it still holds); one that
-- ends by the day it starts holds on none. Counted as a running sum of +1 on its first day and -1
-- on its end, summed by day first, so that each month end joins a few thousand days, not every
-- spell. A month end before every spell has no row; a spell that no longer holds has 0.
spell_moves as (
  select spell, from_day as day, 1 as held from stage_spells where to_day is null or to_day > from_day
  union all
  select spell, to_day as day, -1 as held from stage_spells where to_day > from_day
),

spell_moves_daily as (
  select spell, day, sum(held) as held from spell_moves group by spell, day
),

held as (
  select month_ends.month_end, spell_moves_daily.spell as stage, sum(spell_moves_daily.held) as members
  from month_ends
  inner join spell_moves_daily on spell_moves_daily.day <= month_ends.month_end
  group by month_ends.month_end, spell_moves_daily.spell
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
  from (select * from stayed union all select * from moved) as stayed_and_moved
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
