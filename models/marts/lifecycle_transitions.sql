-- The lifecycle in motion: members by their stage at one month end (from) and at the next (to),
-- for every pair of consecutive month ends, with the share of the from-stage's members who moved
-- to each stage. Members who are new in the snapshots at a month end have no from-stage and are
-- left out (lifecycle_monthly.moved_in counts them).
-- grain: month_end, from_stage, to_stage
-- tests: accepted_range(share_of_from, 0, 1); not_null(from_stage_zh, to_stage_zh)
with

member_stages as (select * from intermediate.int_member_stages_monthly),

stages as (select * from seeds.lifecycle_stages),

moves as (
  select month_end, previous_stage as from_stage, stage as to_stage, count(*) as members
  from member_stages
  where previous_stage is not null
  group by month_end, previous_stage, stage
),

final as (
  select
    moves.month_end,
    moves.from_stage,
    from_stages.stage_zh as from_stage_zh,
    from_stages.stage_order as from_stage_order,
    moves.to_stage,
    to_stages.stage_zh as to_stage_zh,
    to_stages.stage_order as to_stage_order,
    moves.members,
    moves.members / sum(moves.members) over (partition by moves.month_end, moves.from_stage) as share_of_from
  from moves
  inner join stages as from_stages on from_stages.stage = moves.from_stage
  inner join stages as to_stages on to_stages.stage = moves.to_stage
)

select * from final
