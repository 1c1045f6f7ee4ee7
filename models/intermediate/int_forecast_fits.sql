-- The forecast models of the latest build, one row each: BG/NBD and MBG/NBD (int_bgnbd_fit) and
-- Gamma-Gamma (int_gamma_gamma_fit), with their parameters, also worded as text (parameters; NULL
-- when not fitted), the log-likelihood, the members fitted and the distinct rows they collapse to,
-- optimizer iterations, whether this build's fit converged, the status and the note. fit_model
-- names the model that fits it. A table, so that the wording's macros run at build;
-- marts.data_forecast_fits adds the run log.
-- grain: model
-- tests: not_null(fit_model, model_name, status, members)
with

bgnbd_fit as (select * from intermediate.int_bgnbd_fit),

gamma_gamma_fit as (select * from intermediate.int_gamma_gamma_fit),

final as (
  select
    'intermediate.int_bgnbd_fit' as fit_model,
    model,
    case model when 'mbgnbd' then 'MBG/NBD' else 'BG/NBD' end as model_name,
    -- %g: r and α run to ~10⁸ where members' purchase rates hardly vary; their ratio, the mean rate, is what reads.
    'r = ' || significant_text(r, 4) || ', α = ' || significant_text(alpha, 4)
    || ' (mean rate r/α = ' || significant_text(r::float8 / alpha, 4) || ' per ' || significant_text(period_days, 6) || ' days), a = '
    || significant_text(a, 4) || ', b = ' || significant_text(b, 4) as parameters,
    r,
    alpha,
    a,
    b,
    null::float8 as p,
    null::float8 as q,
    null::float8 as gamma,
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
    -- Each to four decimals.
    'p = ' || p::decimal(38, 4)::varchar || ', q = ' || q::decimal(38, 4)::varchar || ', γ = ' || gamma::decimal(38, 4)::varchar as parameters,
    null::float8 as r,
    null::float8 as alpha,
    null::float8 as a,
    null::float8 as b,
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
)

select * from final
