-- One row per member with a purchase occasion up to the as-of date: who will buy again, and what
-- the next 12 months are worth (BG/NBD or MBG/NBD, and Gamma-Gamma, fitted in int_bgnbd_fit and
-- int_gamma_gamma_fit). p_alive is the model of the parameter p_alive_model (mbgnbd by default,
-- or the other model when only that one could be fitted, with the reason in note:
-- bgnbd_p_alive in models/macros.sql; under MBG/NBD a member without a repeat occasion may have
-- left, under BG/NBD its P(alive) is 1); the column p_alive_model names the model that gave it.
-- The expected occasions and CLV are the model's that forecast the holdout better
-- (int_bgnbd_holdout_compared.used_for_expected_purchases; BG/NBD on a tie), each with that
-- model's own P(alive): expected occasions in the next 90 and 365 days = its P(alive) × its
-- expected occasions if alive (int_bgnbd_expected_occasions).
-- expected_occasion_value = (γ + x m) p / (p x + q − 1), m = the mean value of the repeat
-- occasions (for x = 0: the population mean p γ / (q − 1)). clv_12m = that P(alive) × Σ over the
-- next 12 months of the month's expected occasions × (1 + annual_discount_rate)^(−m/12) ×
-- expected_occasion_value × gross_margin. clv_decile 1 = the highest CLV: 1 + ⌊10 (rank − 1) / n⌋
-- by rank() descending over the n members with a CLV (equal CLVs share a decile). Without a fit
-- the forecasts are NULL and note says why; note also tells when a fit kept earlier parameters.
-- grain: member_id
-- tests: not_null(x, t_x, t_cal); accepted_range(p_alive, 0, 1); accepted_range(clv_decile, 1, 10)
with

history as (select * from intermediate.int_member_repeat_history),

bgnbd_fits as (select * from intermediate.int_bgnbd_fit),

holdout_errors as (select * from intermediate.int_bgnbd_holdout_compared),

gamma_gamma_fit as (select * from intermediate.int_gamma_gamma_fit),

all_expected_if_alive as (select * from intermediate.int_bgnbd_expected_occasions),

-- The model of p_alive_model, or the other where only that one could be fitted (the holdout table says).
p_alive_fit as (
  select bgnbd_fits.*
  from bgnbd_fits
  where bgnbd_fits.model = coalesce((select model from holdout_errors where used_for_p_alive), getvariable('p_alive_model'))
),

-- The model whose expected purchases are used; BG/NBD when the holdout table has no rows.
expected_fit as (
  select bgnbd_fits.*
  from bgnbd_fits
  where bgnbd_fits.model = coalesce((select model from holdout_errors where used_for_expected_purchases), 'bgnbd')
),

expected_if_alive as (
  select all_expected_if_alive.*
  from all_expected_if_alive
  inner join expected_fit on expected_fit.model = all_expected_if_alive.model
),

horizons as (select * from intermediate.int_forecast_horizons),

monthly as (
  select
    expected_if_alive.x,
    expected_if_alive.t_cal,
    horizons.discount_factor,
    expected_if_alive.expected_occasions_if_alive - coalesce(
      lag(expected_if_alive.expected_occasions_if_alive) over (
        partition by expected_if_alive.x, expected_if_alive.t_cal order by horizons.month_number
      ),
      0
    ) as occasions_in_month_if_alive
  from expected_if_alive
  inner join horizons on horizons.horizon_days = expected_if_alive.horizon_days
  where horizons.month_number is not null
),

discounted as (
  select
    x,
    t_cal,
    sum(occasions_in_month_if_alive * discount_factor) as discounted_occasions_if_alive
  from monthly
  group by x, t_cal
),

by_horizon as (
  select
    expected_if_alive.x,
    expected_if_alive.t_cal,
    max(expected_if_alive.expected_occasions_if_alive) filter (where horizons.horizon_days = 90) as occasions_90d_if_alive,
    max(expected_if_alive.expected_occasions_if_alive) filter (where horizons.month_number = 12) as occasions_365d_if_alive
  from expected_if_alive
  inner join horizons on horizons.horizon_days = expected_if_alive.horizon_days
  group by expected_if_alive.x, expected_if_alive.t_cal
),

scored as (
  select
    history.*,
    bgnbd_p_alive(p_alive_fit.model, p_alive_fit.r, p_alive_fit.alpha, p_alive_fit.a, p_alive_fit.b, history.x, history.t_x, history.t_cal)
      as p_alive,
    case when p_alive_fit.r is not null then p_alive_fit.model end as p_alive_model,
    bgnbd_p_alive(expected_fit.model, expected_fit.r, expected_fit.alpha, expected_fit.a, expected_fit.b, history.x, history.t_x, history.t_cal)
      as p_alive_expected_model,
    by_horizon.occasions_90d_if_alive,
    by_horizon.occasions_365d_if_alive,
    discounted.discounted_occasions_if_alive,
    case
      when gamma_gamma_fit.p is null or gamma_gamma_fit.p * history.x + gamma_gamma_fit.q - 1 <= 0 then null
      else ((gamma_gamma_fit.gamma + history.x * coalesce(history.mean_repeat_value, 0)) * gamma_gamma_fit.p)::float8
        / (gamma_gamma_fit.p * history.x + gamma_gamma_fit.q - 1)
    end as occasion_value,
    nullif(
      concat_ws(
        '; ',
        case when p_alive_fit.model <> getvariable('p_alive_model') then 'P(alive) by ' || p_alive_fit.model || ', not ' || getvariable('p_alive_model') || ', which could not be fitted' end,
        (select string_agg(note, '; ' order by model) from bgnbd_fits),
        gamma_gamma_fit.note
      ),
      ''
    ) as note
  from history
  cross join p_alive_fit
  cross join expected_fit
  cross join gamma_gamma_fit
  left join by_horizon on by_horizon.x = history.x and by_horizon.t_cal = history.t_cal
  left join discounted on discounted.x = history.x and discounted.t_cal = history.t_cal
),

valued as (
  select
    *,
    p_alive_expected_model * occasions_90d_if_alive as expected_occasions_90d,
    p_alive_expected_model * occasions_365d_if_alive as expected_occasions_365d,
    occasion_value::decimal(18, 2) as expected_occasion_value,
    (p_alive_expected_model * discounted_occasions_if_alive * occasion_value * getvariable('gross_margin'))::decimal(18, 2) as clv_12m
  from scored
),

final as (
  select
    member_id,
    x,
    t_x,
    t_cal,
    mean_repeat_value,
    p_alive,
    p_alive_model,
    expected_occasions_90d,
    expected_occasions_365d,
    expected_occasion_value,
    clv_12m,
    case
      when clv_12m is not null
        then 1 + floor((10 * (rank() over (order by clv_12m desc nulls last) - 1))::float8 / count(clv_12m) over ())::integer
    end as clv_decile,
    as_of_date,
    note
  from valued
)

select * from final
