-- One row per member with a purchase occasion up to the as-of date: the purchase history the
-- forecast models read (BG/NBD: x, t_x, T; Gamma-Gamma: the mean value of repeat occasions).
-- x = repeat occasions (all but the first); t_x = days from the first occasion to the last; T
-- (t_cal) = days from the first occasion to the as-of date, which is not counted, as in BTYD and
-- lifetimes (a first occasion on 1 January gives T = 272 days on 30 September). t_x and t_cal
-- are also given in periods of forecast_period_days days (7: weeks), the unit the fit is in.
-- mean_repeat_value = the mean net value of the repeat occasions (NULL when x = 0).
-- grain: member_id
-- tests: not_null(x, t_x_days, t_cal_days, t_x, t_cal); accepted_range(x, 0, 1000000)
with

summary as (select * from intermediate.int_member_occasions_summarized),

as_of as (select * from intermediate.int_as_of_date_resolved),

by_member as (
  select
    member_id,
    occasions - 1 as x,
    first_occasion_date,
    last_occasion_date,
    mean_repeat_value
  from summary
),

final as (
  select
    by_member.member_id,
    by_member.x,
    by_member.last_occasion_date - by_member.first_occasion_date as t_x_days,
    as_of.as_of_date - by_member.first_occasion_date as t_cal_days,
    (by_member.last_occasion_date - by_member.first_occasion_date)::float8 / getvariable('forecast_period_days') as t_x,
    (as_of.as_of_date - by_member.first_occasion_date)::float8 / getvariable('forecast_period_days') as t_cal,
    by_member.mean_repeat_value::float8 as mean_repeat_value,
    by_member.first_occasion_date,
    by_member.last_occasion_date,
    as_of.as_of_date
  from by_member
  cross join as_of
)

select * from final
