-- The forecast models' holdout test on the shop's own data: per member with an occasion up to the
-- calibration end (the as-of date − forecast_holdout_days), x, t_x and T as of that end (as in
-- int_member_repeat_history, in periods of forecast_period_days) and the occasions it made in the
-- holdout days after it, up to the as-of date (holdout_occasions).
-- grain: member_id
-- tests: not_null(x, t_x, t_cal, holdout_occasions)
with

occasions as (select * from intermediate.int_purchase_occasions),

as_of as (select * from intermediate.int_as_of_date_resolved),

calibration as (
  select (as_of_date - getvariable('forecast_holdout_days')::integer) as calibration_end
  from as_of
),

by_member as (
  select
    occasions.member_id,
    calibration.calibration_end,
    count(*) filter (where occasions.occasion_date <= calibration.calibration_end) - 1 as x,
    min(occasions.occasion_date) as first_occasion_date,
    max(occasions.occasion_date) filter (where occasions.occasion_date <= calibration.calibration_end) as last_occasion_date,
    count(*) filter (where occasions.occasion_date > calibration.calibration_end) as holdout_occasions
  from occasions
  cross join calibration
  group by occasions.member_id, calibration.calibration_end
  having min(occasions.occasion_date) <= calibration.calibration_end
),

final as (
  select
    member_id,
    x,
    (last_occasion_date - first_occasion_date)::float8 / getvariable('forecast_period_days') as t_x,
    (calibration_end - first_occasion_date)::float8 / getvariable('forecast_period_days') as t_cal,
    holdout_occasions,
    calibration_end
  from by_member
)

select * from final
