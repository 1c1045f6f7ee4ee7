-- The Gamma-Gamma model of occasion value (Fader, Hardie and Lee 2005, "RFM and CLV") fitted by
-- maximum likelihood to the repeat buyers' mean net value of their repeat occasions (the first
-- occasion left out, as in the published CDNOW fit), given to the computation gamma_gamma_fit as
-- the distinct (x, mean value) pairs with their member counts; only a positive mean has a
-- density. One row: p, q, gamma, the log-likelihood, members, distinct rows, iterations, status
-- and note as in int_bgnbd_fit.
-- grain: model
-- compute: gamma_gamma_fit
-- tests: not_null(status, members, distinct_rows); accepted_values(status, 'fitted', 'kept_last_good', 'not_fitted')
with

history as (select * from intermediate.int_member_repeat_history),

repeat_values as (
  select x, mean_repeat_value as mean_value, count(*) as members
  from history
  where x > 0 and mean_repeat_value > 0
  group by x, mean_repeat_value
),

final as (
  select * from repeat_values
)

select * from final
