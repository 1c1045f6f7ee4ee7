-- Each member's lifecycle stage over time up to the last month end by the as-of date (the latest of
-- intermediate.int_month_ends), on the days it changes: the stage history of
-- intermediate.int_member_stage_history cut there, after the prospect days of a member known
-- before its first occasion. A member enters on the day it became known. The stage holds from
-- changed_on to valid_to (exclusive; NULL while it holds on that month end). previous_stage is the
-- stage before (NULL on the member's first day). Its readers snapshot stages at month ends only, so
-- the cut is the last month end, not the as-of date: a new day inside the month leaves these rows
-- as they were (a purchase changes a member's stages from its day on), and the month-end marts are
-- kept, not computed again, until a month closes or an older order changes.
-- grain: member_id, changed_on
-- tests: not_null(stage)
with

members_first_seen as (select * from intermediate.int_members_first_seen),

stage_history as (select * from intermediate.int_member_stage_history),

month_ends as (select * from intermediate.int_month_ends),

cut as (select max(month_end) as cut_date from month_ends),

history_to_date as (
  select
    stage_history.member_id,
    stage_history.changed_on,
    case when stage_history.valid_to <= cut.cut_date then stage_history.valid_to end as valid_to,
    stage_history.stage,
    stage_history.previous_stage
  from stage_history
  cross join cut
  where stage_history.changed_on <= cut.cut_date
),

first_occasions as (
  select member_id, changed_on as first_occasion_date from history_to_date where previous_stage is null
),

-- A member known before its first occasion by the cut is a prospect from the day it became known.
prospects as (
  select
    members_first_seen.member_id,
    members_first_seen.first_seen_date as changed_on,
    first_occasions.first_occasion_date as valid_to,
    lifecycle_stage(0, null, null) as stage,
    null::varchar as previous_stage
  from members_first_seen
  cross join cut
  left join first_occasions on first_occasions.member_id = members_first_seen.member_id
  where members_first_seen.first_seen_date <= cut.cut_date
    and (first_occasions.first_occasion_date is null or members_first_seen.first_seen_date < first_occasions.first_occasion_date)
),

-- The first occasion's row follows the prospect days where there were any: only those rows are
-- joined to the prospects, not every change.
first_stages as (
  select history_to_date.member_id, history_to_date.changed_on, history_to_date.valid_to, history_to_date.stage, prospects.stage as previous_stage
  from history_to_date
  left join prospects on prospects.member_id = history_to_date.member_id
  where history_to_date.previous_stage is null
),

final as (
  select * from prospects
  union all
  select * from first_stages
  union all
  select * from history_to_date where previous_stage is not null
)

select * from final
