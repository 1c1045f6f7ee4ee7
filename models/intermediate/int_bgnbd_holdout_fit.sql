-- BG/NBD and MBG/NBD fitted as int_bgnbd_fit (the same computation bgnbd_fit, one row per model),
-- but to the calibration history of int_bgnbd_holdout_history only, so that their forecasts of
-- the holdout days can be compared with what the members did (int_bgnbd_holdout_compared).
-- grain: model
-- compute: bgnbd_fit
-- tests: not_null(status, members, distinct_rows); accepted_values(model, 'bgnbd', 'mbgnbd'); accepted_values(status, 'fitted', 'kept_last_good', 'not_fitted')
with

history as (select * from intermediate.int_bgnbd_holdout_history),

final as (
  select x, t_x, t_cal, count(*) as members
  from history
  group by x, t_x, t_cal
)

select * from final
