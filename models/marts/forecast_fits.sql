-- One row per forecast model of this build (the Data page): BG/NBD (int_bgnbd_fit) and
-- Gamma-Gamma (int_gamma_gamma_fit) with their parameters (also as text), log-likelihood, the
-- members fitted and the distinct rows they collapse to, optimizer iterations and seconds,
-- whether this build's fit converged, the status (fitted, kept_last_good, not_fitted) and the note.
-- grain: model
-- tests: not_null(model_name, status, members)
with

bgnbd_fit as (select * from intermediate.int_bgnbd_fit),

gamma_gamma_fit as (select * from intermediate.int_gamma_gamma_fit),

fits as (
  select
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
    seconds,
    converged,
    status,
    note
  from bgnbd_fit
  union all
  select
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
    seconds,
    converged,
    status,
    note
  from gamma_gamma_fit
),

final as (
  select * from fits
)

select * from final
