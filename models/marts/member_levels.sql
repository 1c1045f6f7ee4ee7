-- Members and their net revenue by member level (the Members page's level chart), with the
-- level's label (中文 English, int_code_labels).
-- grain: member_level
-- tests: not_null(member_level_zh, member_level_label, members)
with

member_facts as (select * from marts.member_facts),

code_labels as (select * from intermediate.int_code_labels),

by_level as (
  select member_level, member_level_zh, count(*) as members, sum(revenue)::decimal(18, 2) as revenue
  from member_facts
  group by member_level, member_level_zh
),

final as (
  select by_level.*, code_labels.label as member_level_label
  from by_level
  left join code_labels on code_labels.code_set = 'level' and code_labels.code = by_level.member_level
)

select * from final
