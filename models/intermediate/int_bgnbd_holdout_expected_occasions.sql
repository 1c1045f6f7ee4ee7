-- Expected repeat occasions within the holdout days of a member still alive at the calibration
-- end, per model of int_bgnbd_holdout_fit and distinct (x, T) of its history, by the same
-- computation as int_bgnbd_expected_occasions. No rows for a model without a fit.
-- grain: model, x, t_cal, horizon_days
-- compute: bgnbd_expected_occasions
-- tests: not_null(expected_occasions_if_alive)
with

history as (select * from intermediate.int_bgnbd_holdout_history),

fit as (select * from intermediate.int_bgnbd_holdout_fit),

ages as (
  select distinct x, t_cal
  from history
),

final as (
  select
    fit.model,
    ages.x,
    ages.t_cal,
    getvariable('forecast_holdout_days')::integer as horizon_days,
    getvariable('forecast_holdout_days')::float8 / fit.period_days as horizon,
    fit.r,
    fit.alpha,
    fit.a,
    fit.b
  from ages
  cross join fit
  where fit.r is not null
)

select * from final
