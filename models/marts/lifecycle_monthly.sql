-- Lifecycle stages snapshotted at each month end up to the as-of date (intermediate.
-- int_stage_moves_monthly, from int_member_stages_dated: the current shop cycle C applies to every
-- snapshot; a member enters from the day it joined or first ordered). members is the stage's
-- members at the month end;
-- moved_in counts those whose stage at the previous month end was another or who are new;
-- woke_up, those who bought in the following month (for sleeping members, the wake-up, which the
-- course notes put under wake_up_benchmark = 5%), NULL while that month is not over by the
-- as-of date; wake_up_rate = woke_up / members, NULL over fewer than min_rate_members members
-- (rate_over: a new shop's first sleeping members, a handful, would draw 75%).
-- stage_label (中文 English) is the stage's label of intermediate.int_code_labels.
-- grain: month_end, stage
-- tests: not_null(stage_zh, stage_label, members, moved_in); relationships(stage, seeds.lifecycle_stages, stage)
with

stage_moves as (select * from intermediate.int_stage_moves_monthly),

stage_days as (select * from intermediate.int_member_stages_dated),

occasions as (select * from intermediate.int_purchase_occasions),

month_ends as (select * from intermediate.int_month_ends),

as_of as (select * from intermediate.int_as_of_date_resolved),

stages as (select * from seeds.lifecycle_stages),

code_labels as (select * from intermediate.int_code_labels where code_set = 'stage'),

by_stage as (
  select
    month_end,
    to_stage as stage,
    sum(members) as members,
    sum(members) filter (where from_stage is distinct from to_stage) as moved_in
  from stage_moves
  group by month_end, to_stage
),

-- Members of each stage at a month end who bought in the following month.
woke as (
  select month_ends.month_end, stage_then.stage, count(distinct occasions.member_id) as members
  from month_ends
  inner join occasions
    on occasions.occasion_date > month_ends.month_end and occasions.occasion_date <= last_day(month_ends.month_end + 1)
  inner join stage_days as stage_then
    on stage_then.member_id = occasions.member_id
    and month_ends.month_end >= stage_then.changed_on
    and month_ends.month_end < coalesce(stage_then.valid_to, 'infinity'::date)
  group by month_ends.month_end, stage_then.stage
),

final as (
  select
    month_ends.month_end,
    stages.stage,
    stages.stage_zh,
    code_labels.label as stage_label,
    stages.stage_order,
    coalesce(by_stage.members, 0) as members,
    coalesce(by_stage.moved_in, 0) as moved_in,
    case when last_day(month_ends.month_end + 1) <= as_of.as_of_date then coalesce(woke.members, 0) end as woke_up,
    case when last_day(month_ends.month_end + 1) <= as_of.as_of_date then rate_over(coalesce(woke.members, 0), by_stage.members) end as wake_up_rate,
    getvariable('wake_up_benchmark') as wake_up_benchmark,
    stages.recommended_action_zh,
    stages.recommended_action
  from month_ends
  cross join stages
  cross join as_of
  left join code_labels on code_labels.code = stages.stage
  left join by_stage on by_stage.month_end = month_ends.month_end and by_stage.stage = stages.stage
  left join woke on woke.month_end = month_ends.month_end and woke.stage = stages.stage
)

select * from final
