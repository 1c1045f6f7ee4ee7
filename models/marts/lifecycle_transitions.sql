-- The lifecycle in motion: members by their stage at one month end (from) and at the next (to),
-- for every pair of consecutive month ends (intermediate.int_stage_moves_monthly), with the share
-- of the from-stage's members who moved to each stage. Members who are new in the snapshots at a
-- month end have no from-stage and are left out (lifecycle_monthly.moved_in counts them).
-- from_stage_label and to_stage_label (中文 English) are the stages' labels of intermediate.int_code_labels.
-- grain: month_end, from_stage, to_stage
-- tests: accepted_range(share_of_from, 0, 1); not_null(from_stage_zh, to_stage_zh, from_stage_label, to_stage_label)
with

stage_moves as (select * from intermediate.int_stage_moves_monthly),

stages as (select * from seeds.lifecycle_stages),

code_labels as (select * from intermediate.int_code_labels where code_set = 'stage'),

final as (
  select
    stage_moves.month_end,
    stage_moves.from_stage,
    from_stages.stage_zh as from_stage_zh,
    from_labels.label as from_stage_label,
    from_stages.stage_order as from_stage_order,
    stage_moves.to_stage,
    to_stages.stage_zh as to_stage_zh,
    to_labels.label as to_stage_label,
    to_stages.stage_order as to_stage_order,
    stage_moves.members,
    stage_moves.members::float8 / sum(stage_moves.members) over (partition by stage_moves.month_end, stage_moves.from_stage) as share_of_from
  from stage_moves
  inner join stages as from_stages on from_stages.stage = stage_moves.from_stage
  inner join stages as to_stages on to_stages.stage = stage_moves.to_stage
  left join code_labels as from_labels on from_labels.code = stage_moves.from_stage
  left join code_labels as to_labels on to_labels.code = stage_moves.to_stage
)

select * from final
