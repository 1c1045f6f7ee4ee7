-- Expected repeat occasions within each forecast horizon of a member who is still alive, per
-- model (BG/NBD, MBG/NBD: int_bgnbd_fit), distinct (x, T) of the buyers and horizon (FHL 2005
-- eq. 10, and Wagner and Hoppe 2008 for MBG/NBD, without the P(alive) factor, which
-- member_forecast applies: the rest does not depend on t_x). Computed by bgnbd_expected_occasions
-- (it needs the hypergeometric function 2F1). No rows for a model without a fit.
-- grain: model, x, t_cal, horizon_days
-- compute: bgnbd_expected_occasions
-- tests: not_null(expected_occasions_if_alive)
with

history as (select * from intermediate.int_member_repeat_history),

fit as (select * from intermediate.int_bgnbd_fit),

horizons as (select * from intermediate.int_forecast_horizons),

ages as (
  select distinct x, t_cal
  from history
),

final as (
  select
    fit.model,
    ages.x,
    ages.t_cal,
    horizons.horizon_days,
    horizons.horizon_days::float8 / fit.period_days as horizon,
    fit.r,
    fit.alpha,
    fit.a,
    fit.b
  from ages
  cross join horizons
  cross join fit
  where fit.r is not null
)

select * from final
