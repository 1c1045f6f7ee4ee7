-- Lifecycle stages snapshotted at each month end up to the as-of date (see
-- intermediate.int_member_stages_monthly: the current shop cycle C applies to every snapshot).
-- moved_in counts members of the stage whose stage at the previous month end was another or who
-- are new; woke_up, members of the stage who bought in the following month (for sleeping members,
-- the wake-up, which the course notes put under wake_up_benchmark = 5%); NULL while that month
-- is not over by the as-of date.
-- grain: month_end, stage
-- tests: not_null(stage_zh, members, moved_in); relationships(stage, seeds.lifecycle_stages, stage)
with

member_stages as (select * from intermediate.int_member_stages_monthly),

month_ends as (select * from intermediate.int_month_ends),

as_of as (select * from intermediate.int_as_of_date_resolved),

stages as (select * from seeds.lifecycle_stages),

by_stage as (
  select
    month_end,
    stage,
    count(*) as members,
    count(*) filter (where previous_stage is distinct from stage) as moved_in,
    count(*) filter (where bought_next_month) as bought_next_month
  from member_stages
  group by month_end, stage
),

final as (
  select
    month_ends.month_end,
    stages.stage,
    stages.stage_zh,
    stages.stage_order,
    coalesce(by_stage.members, 0) as members,
    coalesce(by_stage.moved_in, 0) as moved_in,
    case when last_day(month_ends.month_end + 1) <= as_of.as_of_date then coalesce(by_stage.bought_next_month, 0) end as woke_up,
    case when last_day(month_ends.month_end + 1) <= as_of.as_of_date then coalesce(by_stage.bought_next_month, 0) / nullif(by_stage.members, 0) end as wake_up_rate,
    getvariable('wake_up_benchmark') as wake_up_benchmark,
    stages.recommended_action_zh,
    stages.recommended_action
  from month_ends
  cross join stages
  cross join as_of
  left join by_stage on by_stage.month_end = month_ends.month_end and by_stage.stage = stages.stage
)

select * from final
