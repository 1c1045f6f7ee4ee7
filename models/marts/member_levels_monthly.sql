-- Member levels over time: at each month end, the members of each level (intermediate.
-- int_member_levels_dated), and how many of them reached it from a lower level (upgraded) or
-- fell to it from a higher one (downgraded, possible with level_window_days: 保级) since the
-- previous month end. Members new at a month end count in neither. A member known by the month
-- end holds the lowest level until its first level day. downgrades_possible says whether the rule
-- can move anyone down: not under the default cumulative rule (level_window_days empty), where a
-- level once reached is kept, so that the page can say why no downgrade is drawn.
-- The level's label, 中文 English (int_code_labels), is member_level_label.
-- grain: month_end, member_level
-- tests: not_null(member_level_zh, member_level_label, members, upgraded, downgraded, downgrades_possible)
with

member_levels_dated as (select * from intermediate.int_member_levels_dated),

members_first_seen as (select * from intermediate.int_members_first_seen),

month_ends as (select * from intermediate.int_month_ends),

levels as (select * from seeds.member_levels),

code_labels as (select * from intermediate.int_code_labels),

lowest_level as (
  select level as member_level from levels order by level_rank limit 1
),

-- A level holds from its day to the member's next level day: each level's members at a month end
-- are a count of spells, a running sum of their moves summed by day first (as in intermediate.
-- int_stage_moves_monthly, which says why).
level_spells as (
  select member_level as spell, evaluated_on as from_day, valid_to as to_day from member_levels_dated
),

spell_moves as (
  select spell, from_day as day, 1 as held from level_spells where to_day is null or to_day > from_day
  union all
  select spell, to_day as day, -1 as held from level_spells where to_day > from_day
),

spell_moves_daily as (
  select spell, day, sum(held) as held from spell_moves group by spell, day
),

held as (
  select month_ends.month_end, spell_moves_daily.spell as member_level, sum(spell_moves_daily.held) as members
  from month_ends
  inner join spell_moves_daily on spell_moves_daily.day <= month_ends.month_end
  group by month_ends.month_end, spell_moves_daily.spell
),

known as (
  select month_ends.month_end, count(members_first_seen.member_id) as members
  from month_ends
  left join members_first_seen on members_first_seen.first_seen_date <= month_ends.month_end
  group by month_ends.month_end
),

-- A level holds at a month end from the end of the month of its day, if the member's next level
-- day has not come by then. Followed member by member, each level that holds at a month end comes
-- after the member's level at the month end before: none for a member without a level day by then,
-- who holds the lowest if it was known. Members new at a month end are left out.
month_end_levels as (
  select
    member_id,
    last_day(evaluated_on) as month_end,
    member_level,
    level_rank,
    lag(level_rank) over (partition by member_id order by evaluated_on) as previous_rank
  from member_levels_dated
  where last_day(evaluated_on) < coalesce(valid_to, 'infinity'::date)
),

moves as (
  select
    month_end_levels.month_end,
    month_end_levels.member_level,
    month_end_levels.level_rank,
    coalesce(month_end_levels.previous_rank, (select min(level_rank) from levels)) as previous_rank
  from month_end_levels
  inner join month_ends on month_ends.month_end = month_end_levels.month_end
  inner join members_first_seen
    on members_first_seen.member_id = month_end_levels.member_id and members_first_seen.first_seen_date <= month_ends.previous_month_end
),

by_level as (
  select
    month_end,
    member_level,
    count(*) filter (where level_rank > previous_rank) as upgraded,
    count(*) filter (where level_rank < previous_rank) as downgraded
  from moves
  group by month_end, member_level
),

final as (
  select
    month_ends.month_end,
    levels.level as member_level,
    levels.level_zh as member_level_zh,
    code_labels.label as member_level_label,
    levels.level_rank,
    -- Members without a level day by then hold the lowest level.
    coalesce(held.members, 0)
      + case when levels.level = lowest_level.member_level
          then known.members - coalesce((select sum(all_held.members) from held as all_held where all_held.month_end = month_ends.month_end), 0)
          else 0 end as members,
    coalesce(by_level.upgraded, 0) as upgraded,
    coalesce(by_level.downgraded, 0) as downgraded,
    getvariable('level_window_days') is not null as downgrades_possible
  from month_ends
  cross join levels
  cross join lowest_level
  inner join known on known.month_end = month_ends.month_end
  left join held on held.month_end = month_ends.month_end and held.member_level = levels.level
  left join by_level on by_level.month_end = month_ends.month_end and by_level.member_level = levels.level
  left join code_labels on code_labels.code_set = 'level' and code_labels.code = levels.level
)

select * from final
