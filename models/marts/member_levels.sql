-- Members and their net revenue by member level (the Members page's level chart).
-- grain: member_level
-- tests: not_null(member_level_zh, members)
with

member_facts as (select * from marts.member_facts),

by_level as (
  select member_level, member_level_zh, count(*) as members, sum(revenue)::decimal(18, 2) as revenue
  from member_facts
  group by member_level, member_level_zh
),

final as (
  select * from by_level
)

select * from final
