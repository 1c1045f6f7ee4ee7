-- The members page's level moves per month end, in long form: the members who moved up to any
-- level (upgraded) and down to any level (downgraded) since the previous month end, from
-- marts.member_levels_monthly. move_label (中文 English) is code set level_move of
-- seeds/code_labels.csv; move_order orders the series.
-- grain: month_end, move
-- tests: accepted_values(move, 'upgraded', 'downgraded'); not_null(move_label, move_order, members)
with

member_levels_monthly as (select * from marts.member_levels_monthly),

code_labels as (select * from intermediate.int_code_labels where code_set = 'level_move'),

moves as (
  select month_end, 'upgraded' as move, sum(upgraded) as members from member_levels_monthly group by month_end
  union all
  select month_end, 'downgraded' as move, sum(downgraded) as members from member_levels_monthly group by month_end
),

final as (
  select moves.month_end, moves.move, code_labels.label as move_label, code_labels.code_order as move_order, moves.members
  from moves
  left join code_labels on code_labels.code = moves.move
)

select * from final
