-- Member levels over time: at each month end, the members of each level (intermediate.
-- int_member_levels_dated), and how many of them reached it from a lower level (upgraded) or
-- fell to it from a higher one (downgraded, possible with level_window_days: 保级) since the
-- previous month end. Members new at a month end count in neither.
-- grain: month_end, member_level
-- tests: not_null(member_level_zh, members, upgraded, downgraded)
with

member_levels_dated as (select * from intermediate.int_member_levels_dated),

month_ends as (select * from intermediate.int_month_ends),

levels as (select * from seeds.member_levels),

monthly as (
  select
    member_levels_dated.member_id,
    member_levels_dated.evaluated_on as month_end,
    member_levels_dated.member_level,
    member_levels_dated.level_rank,
    lag(member_levels_dated.level_rank) over (partition by member_levels_dated.member_id order by member_levels_dated.evaluated_on) as previous_rank
  from member_levels_dated
  inner join month_ends on month_ends.month_end = member_levels_dated.evaluated_on
),

by_level as (
  select
    month_end,
    member_level,
    count(*) as members,
    count(*) filter (where level_rank > previous_rank) as upgraded,
    count(*) filter (where level_rank < previous_rank) as downgraded
  from monthly
  group by month_end, member_level
),

final as (
  select
    month_ends.month_end,
    levels.level as member_level,
    levels.level_zh as member_level_zh,
    levels.level_rank,
    coalesce(by_level.members, 0) as members,
    coalesce(by_level.upgraded, 0) as upgraded,
    coalesce(by_level.downgraded, 0) as downgraded
  from month_ends
  cross join levels
  left join by_level on by_level.month_end = month_ends.month_end and by_level.member_level = levels.level
)

select * from final
