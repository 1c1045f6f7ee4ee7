-- The BG/NBD model (Fader, Hardie and Lee 2005; model bgnbd) and its modification MBG/NBD
-- (Batislam, Denizel and Filiztekin 2007; model mbgnbd: a customer may also drop out right after
-- the first occasion) fitted by maximum likelihood to every buyer's (x, t_x, T) in periods of
-- forecast_period_days, given to the computation bgnbd_fit (pipelines/transform/computations/) as
-- the distinct triples with their member counts. One row per model:
-- r, alpha (in periods), a, b, the log-likelihood, members, distinct rows and optimizer
-- iterations (the fit time is in the run log, ops.model_runs.message). status: fitted
-- (converged); kept_last_good (this build's fit did not converge, so the previous build's good
-- parameters are kept); not_fitted (fewer than forecast_min_members buyers, no repeat buyer, or
-- no good fit to keep: no forecast). note says why.
-- grain: model
-- compute: bgnbd_fit
-- tests: not_null(status, members, distinct_rows); accepted_values(model, 'bgnbd', 'mbgnbd'); accepted_values(status, 'fitted', 'kept_last_good', 'not_fitted')
with

history as (select * from intermediate.int_member_repeat_history),

triples as (
  select x, t_x, t_cal, count(*) as members
  from history
  group by x, t_x, t_cal
),

final as (
  select * from triples
)

select * from final
