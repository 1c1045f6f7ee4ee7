-- The horizons the forecasts are projected over, in days from the as-of date: the next 90 days,
-- and the end of each of the next 12 months, month m ending round(365 m / 12) days ahead (30, 61,
-- 91, …, 365). Each month's expected value is discounted at annual_discount_rate as if it came at
-- the month's end: discount_factor = (1 + rate)^(−m/12). The 90-day horizon has no month.
-- grain: horizon_days
-- tests: not_null(discount_factor); accepted_range(month_number, 1, 12)
with

months as (
  select
    month_number,
    -- Half up, as DuckDB rounds a DOUBLE (half away from zero): month 6 ends 183 days ahead.
    floor((365 * month_number)::float8 / 12 + 0.5)::integer as horizon_days
  from generate_series(1, 12) as month_numbers(month_number)
),

short_horizon as (select 90 as horizon_days),

final as (
  select
    coalesce(months.horizon_days, short_horizon.horizon_days) as horizon_days,
    months.month_number::integer as month_number,
    coalesce(power(1 + getvariable('annual_discount_rate'), (-months.month_number)::float8 / 12), 1) as discount_factor
  from months
  full join short_horizon on short_horizon.horizon_days = months.horizon_days
)

select * from final
