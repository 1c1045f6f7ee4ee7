-- How well BG/NBD and MBG/NBD, fitted to the calibration history (int_bgnbd_holdout_fit), forecast
-- the forecast_holdout_days that follow: per model, the members of the calibration history, their
-- actual and expected holdout occasions in total, and the mean absolute error per member,
-- |actual − P(alive) × expected if alive| averaged over the members (holdout_mae). The rule: the
-- model with the lower holdout_mae gives the expected purchases and CLV of member_forecast
-- (used_for_expected_purchases); BG/NBD on a tie or when neither could be fitted.
-- And used_for_p_alive marks the model of the parameter p_alive_model, whose P(alive)
-- member_forecast shows and the audience export filters on. Either use falls to the other model
-- when this one's fit to the whole history (int_bgnbd_fit) has no parameters and the other's has:
-- a fit that did not converge on one shop leaves the forecast to the model that did, not empty.
-- grain: model
-- tests: not_null(model, holdout_members, used_for_expected_purchases, used_for_p_alive)
with

history as (select * from intermediate.int_bgnbd_holdout_history),

fit as (select * from intermediate.int_bgnbd_holdout_fit),

whole_history_fit as (select * from intermediate.int_bgnbd_fit),

expected_if_alive as (select * from intermediate.int_bgnbd_holdout_expected_occasions),

forecasts as (
  select
    fit.model,
    history.holdout_occasions,
    bgnbd_p_alive(fit.model, fit.r, fit.alpha, fit.a, fit.b, history.x, history.t_x, history.t_cal)
      * expected_if_alive.expected_occasions_if_alive as expected_occasions
  from history
  cross join fit
  left join expected_if_alive
    on expected_if_alive.model = fit.model
   and expected_if_alive.x = history.x
   and expected_if_alive.t_cal = history.t_cal
),

errors as (
  select
    model,
    count(*) as holdout_members,
    sum(holdout_occasions) as holdout_actual_occasions,
    -- Summed as DECIMAL: exact, so the same in every build (a sum of DOUBLEs depends on the order).
    sum(expected_occasions::decimal(18, 9))::float8 as holdout_expected_occasions,
    avg(abs(holdout_occasions - expected_occasions)::decimal(18, 9))::float8 as holdout_mae
  from forecasts
  group by model
),

final as (
  select
    fit.model,
    fit.log_likelihood as holdout_fit_log_likelihood,
    fit.status as holdout_fit_status,
    coalesce(errors.holdout_members, 0) as holdout_members,
    errors.holdout_actual_occasions,
    errors.holdout_expected_occasions,
    errors.holdout_mae,
    row_number() over (
      order by whole_history_fit.r is not null desc nulls last, errors.holdout_mae asc nulls last, fit.model = 'bgnbd' desc nulls last
    ) = 1 as used_for_expected_purchases,
    row_number() over (
      order by whole_history_fit.r is not null desc nulls last, fit.model = getvariable('p_alive_model') desc nulls last
    ) = 1 as used_for_p_alive
  from fit
  left join errors on errors.model = fit.model
  left join whole_history_fit on whole_history_fit.model = fit.model
)

select * from final
