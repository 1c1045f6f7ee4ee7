-- Each member's lifecycle stage over time up to the as-of date, on the days it changes: the stage
-- of lifecycle_stage (models/macros.sql) on the occasions up to the day and the days since the last
-- of them, with the current shop cycle C for every day. A member enters on the day it became
-- known. The stage holds from changed_on to valid_to (exclusive; NULL while it holds).
-- previous_stage is the stage before (NULL on the member's first day). A stage can change only
-- on a purchase day or when recency passes a boundary (lifecycle_boundaries), so only those days
-- are evaluated, never every day or month of every member.
-- grain: member_id, changed_on
-- tests: not_null(stage)
with

members_first_seen as (select * from intermediate.int_members_first_seen),

occasions as (select * from intermediate.int_purchase_occasions),

as_of as (select * from intermediate.int_as_of_date_resolved),

shop_cycle as (select * from intermediate.int_shop_cycle_measured),

occasion_spans as (
  select
    member_id,
    occasion_number,
    occasion_date,
    lead(occasion_date) over (partition by member_id order by occasion_number) as next_occasion_date
  from occasions
),

-- Days after an occasion on which the stage can change: the occasion itself, and the day recency
-- reaches and the day it passes each boundary.
offsets as (
  select distinct unnest(
    [0]
    || list_transform(lifecycle_boundaries(shop_cycle_days), boundary -> floor(boundary)::integer)
    || list_transform(lifecycle_boundaries(shop_cycle_days), boundary -> floor(boundary)::integer + 1)
  ) as days
  from shop_cycle
),

-- The day a member became known, and the offsets after each occasion before the next one, by
-- the as-of date.
candidate_days as (
  select member_id, first_seen_date as day from members_first_seen
  union
  select occasion_spans.member_id, occasion_spans.occasion_date + offsets.days as day
  from occasion_spans
  cross join offsets
  cross join as_of
  where occasion_spans.occasion_date + offsets.days <= as_of.as_of_date
    and (occasion_spans.next_occasion_date is null or occasion_spans.occasion_date + offsets.days < occasion_spans.next_occasion_date)
),

staged as (
  select
    candidate_days.member_id,
    candidate_days.day,
    lifecycle_stage(coalesce(last_occasion.occasion_number, 0), candidate_days.day - last_occasion.occasion_date, shop_cycle.shop_cycle_days) as stage
  from candidate_days
  cross join shop_cycle
  asof left join occasion_spans as last_occasion
    on last_occasion.member_id = candidate_days.member_id and candidate_days.day >= last_occasion.occasion_date
),

changes as (
  select
    *,
    lag(stage) over (partition by member_id order by day) as previous_stage
  from staged
),

final as (
  select
    member_id,
    day as changed_on,
    lead(day) over (partition by member_id order by day) as valid_to,
    stage,
    previous_stage
  from changes
  where previous_stage is distinct from stage
)

select * from final
