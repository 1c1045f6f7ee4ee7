-- Each buyer's lifecycle stage over all the data, from the first occasion, on the days it changes:
-- the stage of lifecycle_stage (models/macros.sql) on the occasions up to the day and the days
-- since the last of them, with the current shop cycle C. It holds from changed_on to valid_to
-- (exclusive; NULL while it holds); previous_stage is NULL on the first occasion's day. A stage can
-- change only on a purchase day or when recency passes a boundary (lifecycle_boundary), so only
-- those days are evaluated. Nothing here depends on the as-of date, so a refresh rebuilds only the
-- members whose occasions changed (and every member when C or a stage parameter changes);
-- int_member_stages_dated cuts it at the as-of date and adds the days before the first occasion.
-- grain: member_id, changed_on
-- materialized: incremental
-- incremental_key: member_id
-- tests: not_null(stage)
with

occasions as (select * from intermediate.int_purchase_occasions_numbered),

shop_cycle as (select * from intermediate.int_shop_cycle_measured),

occasion_spans as (
  select
    member_id,
    occasion_number,
    occasion_date,
    lead(occasion_date) over (partition by member_id order by occasion_number) as next_occasion_date
  from occasions
),

boundaries as (
  select lifecycle_boundary(shop_cycle.shop_cycle_days, boundary_numbers.boundary_number) as boundary
  from shop_cycle
  cross join generate_series(1, 3) as boundary_numbers(boundary_number)
  where shop_cycle.shop_cycle_days is not null
),

-- Days after an occasion on which the stage can change: the occasion itself, and the day recency
-- reaches and the day it passes each boundary.
offsets as (
  select 0 as days from shop_cycle
  union
  select floor(boundary)::integer as days from boundaries
  union
  select floor(boundary)::integer + 1 as days from boundaries
),

-- The offsets after each occasion before the next one, each with the occasion it follows; several
-- occasions on one day (purchase_grain = order) leave the day to the last of them.
candidate_days as (
  select occasion_spans.member_id, occasion_spans.occasion_date + offsets.days as day, max(occasion_spans.occasion_number) as occasion_number, max(occasion_spans.occasion_date) as occasion_date
  from occasion_spans
  cross join offsets
  where occasion_spans.next_occasion_date is null or occasion_spans.occasion_date + offsets.days < occasion_spans.next_occasion_date
  group by occasion_spans.member_id, occasion_spans.occasion_date + offsets.days
),

staged as (
  select
    candidate_days.member_id,
    candidate_days.day,
    lifecycle_stage(candidate_days.occasion_number, candidate_days.day - candidate_days.occasion_date, shop_cycle.shop_cycle_days) as stage
  from candidate_days
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
