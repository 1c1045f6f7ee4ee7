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
-- the as-of date, each with the occasion it follows.
candidate_days as (
  select member_id, first_seen_date as day, 0 as occasion_number, null::date as occasion_date from members_first_seen
  union all
  select occasion_spans.member_id, occasion_spans.occasion_date + offsets.days as day, occasion_spans.occasion_number, occasion_spans.occasion_date
  from occasion_spans
  cross join offsets
  cross join as_of
  where occasion_spans.occasion_date + offsets.days <= as_of.as_of_date
    and (occasion_spans.next_occasion_date is null or occasion_spans.occasion_date + offsets.days < occasion_spans.next_occasion_date)
),

candidate_days_distinct as (
  select member_id, day, max(occasion_number) as occasion_number, max(occasion_date) as occasion_date
  from candidate_days
  group by member_id, day
),

-- The member's last occasion on or before each day, carried forward (every occasion has a day of
-- its own, offset 0): a window over each member's few days rather than an ASOF join, which grew
-- with the square of the members here.
last_occasions as (
  select
    member_id,
    day,
    max(occasion_number) over (partition by member_id order by day rows between unbounded preceding and current row) as occasion_number,
    max(occasion_date) over (partition by member_id order by day rows between unbounded preceding and current row) as occasion_date
  from candidate_days_distinct
),

staged as (
  select
    last_occasions.member_id,
    last_occasions.day,
    lifecycle_stage(last_occasions.occasion_number, last_occasions.day - last_occasions.occasion_date, shop_cycle.shop_cycle_days) as stage
  from last_occasions
  cross join shop_cycle
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
