-- The forecast models of the latest build (Data page): BG/NBD (int_bgnbd_fit) and Gamma-Gamma
-- (int_gamma_gamma_fit) with their parameters (also as text), log-likelihood, the members fitted
-- and the distinct rows they collapse to, optimizer iterations, whether this build's fit
-- converged, the status (fitted, kept_last_good, not_fitted) and the note; with the run log's
-- seconds and message of the model's latest successful build (the fit time, which no table holds:
-- it differs from build to build).
-- grain: model
-- materialized: view
-- tests: not_null(model_name, status, members)
with

bgnbd_fit as (select * from intermediate.int_bgnbd_fit),

gamma_gamma_fit as (select * from intermediate.int_gamma_gamma_fit),

model_runs as (select * from ops.model_runs),

fits as (
  select
    'intermediate.int_bgnbd_fit' as fit_model,
    model,
    'BG/NBD' as model_name,
    printf('r = %.4f, α = %.4f, a = %.4f, b = %.4f (time unit: %g days)', r, alpha, a, b, period_days) as parameters,
    r,
    alpha,
    a,
    b,
    null::double as p,
    null::double as q,
    null::double as gamma,
    log_likelihood,
    members,
    distinct_rows,
    iterations,
    converged,
    status,
    note
  from bgnbd_fit
  union all
  select
    'intermediate.int_gamma_gamma_fit' as fit_model,
    model,
    'Gamma-Gamma' as model_name,
    printf('p = %.4f, q = %.4f, γ = %.4f', p, q, gamma) as parameters,
    null::double as r,
    null::double as alpha,
    null::double as a,
    null::double as b,
    p,
    q,
    gamma,
    log_likelihood,
    members,
    distinct_rows,
    iterations,
    converged,
    status,
    note
  from gamma_gamma_fit
),

latest_builds as (
  select model, run_id, seconds, message
  from model_runs
  where status = 'succeeded'
  qualify row_number() over (partition by model order by run_id desc) = 1
),

final as (
  select
    fits.* exclude (fit_model),
    latest_builds.seconds,
    latest_builds.message as run_log_message,
    latest_builds.run_id
  from fits
  left join latest_builds on latest_builds.model = fits.fit_model
)

select * from final
