-- The forecast models of the latest build (Data page): BG/NBD and MBG/NBD (int_bgnbd_fit) and
-- Gamma-Gamma (int_gamma_gamma_fit) with their parameters (also as text), log-likelihood, the
-- members fitted and the distinct rows they collapse to, optimizer iterations, whether this
-- build's fit converged, the status (fitted, kept_last_good, not_fitted) and the note, as
-- int_forecast_fits has them; with the
-- run log's seconds and message of the model's latest successful fit (the fit time, which no
-- table holds: it differs from build to build; a build that kept the fit, its inputs unchanged,
-- is not a fit). For BG/NBD and MBG/NBD also their holdout test
-- (int_bgnbd_holdout_compared: members, actual and expected holdout occasions, mean absolute error
-- per member) and what the forecasts use each for (used_for_p_alive,
-- used_for_expected_purchases; the rules are int_bgnbd_holdout_compared').
-- grain: model
-- materialized: view
-- tests: not_null(model_name, status, members)
with

fits as (select * from intermediate.int_forecast_fits),

holdout_errors as (select * from intermediate.int_bgnbd_holdout_compared),

model_runs as (select * from ops.model_runs),

builds_ranked as (
  select model, run_id, seconds, message, row_number() over (partition by model order by run_id desc nulls last) as build_rank
  from model_runs
  where status = 'succeeded' and mode is distinct from 'unchanged'
),

latest_builds as (
  select model, run_id, seconds, message from builds_ranked where build_rank = 1
),

final as (
  select
    fits.model,
    fits.model_name,
    fits.parameters,
    fits.r,
    fits.alpha,
    fits.a,
    fits.b,
    fits.p,
    fits.q,
    fits.gamma,
    fits.log_likelihood,
    fits.members,
    fits.distinct_rows,
    fits.iterations,
    fits.converged,
    fits.status,
    fits.note,
    holdout_errors.holdout_members,
    holdout_errors.holdout_actual_occasions,
    holdout_errors.holdout_expected_occasions,
    holdout_errors.holdout_mae,
    holdout_errors.used_for_p_alive,
    holdout_errors.used_for_expected_purchases,
    latest_builds.seconds,
    latest_builds.message as run_log_message,
    latest_builds.run_id
  from fits
  left join holdout_errors on holdout_errors.model = fits.model
  left join latest_builds on latest_builds.model = fits.fit_model
)

select * from final
