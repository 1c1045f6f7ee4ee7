-- Functions models may call, defined for the build session only (temp): a model that uses them
-- must be a table, so that readers never need them. Bodies are portable SQL (docs/models.md), which
-- the PostgreSQL engine writes out in place as DuckDB does; money_ratio, grouped_text,
-- significant_text and the member level are not, and have their PostgreSQL definitions in
-- pipelines/transform/postgres/ (a change here is a change there).

-- A member's key everywhere after staging: the salted hash of the buyer id, so that buyer ids
-- (marketplace nicks) never reach the marts.
create or replace temp macro member_key(buyer_id) as md5(getvariable('member_salt') || ':' || buyer_id);

-- A member's lifecycle stage (docs/metrics.md): the first matching rule wins; C = cycle_days.
-- Without a shop cycle (no repeat purchase yet) the recency rules do not apply.
create or replace temp macro lifecycle_stage(occasions, recency_days, cycle_days) as
  case
    when occasions = 0 then 'prospect'
    when recency_days > getvariable('churned_cycles') * cycle_days then 'churned'
    when recency_days > getvariable('sleeping_cycles') * cycle_days then 'sleeping'
    when recency_days > getvariable('silent_cycles') * cycle_days then 'silent'
    when occasions = 1 then 'new'
    when occasions = 2 then 'returning'
    else 'active'
  end;

-- The recencies (days) at which lifecycle_stage changes for a member who does not buy again: the
-- silent (1), sleeping (2) and churned (3) boundaries of the shop cycle (NULL without a cycle). A
-- stage changes only on a purchase day or the day recency first passes one of them.
create or replace temp macro lifecycle_boundary(cycle_days, boundary_number) as
  case boundary_number
    when 1 then getvariable('silent_cycles')
    when 2 then getvariable('sleeping_cycles')
    when 3 then getvariable('churned_cycles')
  end * cycle_days;

-- The population value an RFM segment compares R, F or M with (segment_threshold: mean or median).
-- Filtered rather than a CASE, which computes both: the median holds every value in memory.
create or replace temp macro rfm_threshold(value) as
  coalesce(
    percentile_cont(0.5) within group (order by value) filter (where getvariable('segment_threshold') = 'median'),
    avg(value) filter (where getvariable('segment_threshold') is distinct from 'median')
  );

-- amount x numerator / denominator as money, exactly: DuckDB divides DECIMALs in DOUBLE (1124.10 / 4
-- cast to cents is 281.02), so the quotient is taken in whole cents with integer division, rounded
-- half away from zero (四舍五入: 281.03), and is a DECIMAL(18, 2). NULL when the denominator is 0.
-- Every amount divided is divided here: per purchase (aov), per buyer or member, and revenue scaled
-- by a ratio of member counts (money_ratio(revenue, 1, purchases) is revenue per purchase).
create or replace temp macro money_ratio(amount, numerator, denominator) as
  ((sign(amount) * ((abs(amount) * 100)::hugeint * numerator * 2 + denominator) // (2 * nullif(denominator, 0)))::decimal(38, 0) * 0.01)::decimal(18, 2);

-- A rate a page shows as a finding: numerator / denominator, NULL (shown as "—" beside its count)
-- when the denominator, the members or purchases judged, is fewer than min_rate_members (empty:
-- no threshold) or 0, so that 3 of 3 members never reads as 100%.
create or replace temp macro rate_over(numerator, denominator) as
  case when denominator >= coalesce(getvariable('min_rate_members'), 0) then numerator::float8 / nullif(denominator, 0) end;

-- The maturity rule (二次购买率 and every "did they come back" rate, docs/metrics.md): a purchase is
-- old enough to judge when it is at least maturity_days before the as-of date, and was followed
-- in time when the next came within maturity_days of it (days_to_next NULL: no next, not in time).
-- So a member too recent to judge is left out, not counted as one who did not come back.
create or replace temp macro old_enough_to_judge(purchase_date, as_of_date) as
  purchase_date <= as_of_date - getvariable('maturity_days');

create or replace temp macro next_purchase_in_time(days_to_next) as
  days_to_next <= getvariable('maturity_days');

-- The Wilson score interval of a proportion, successes out of trials (Wilson 1927; Newcombe 1998,
-- "Two-sided confidence intervals for the single proportion", method 3):
--   (x + z²/2 ∓ z √(x (n − x) / n + z²/4)) / (n + z²)
-- z is the standard normal quantile of the interval: 1.96 for 95%, the default, which a caller may
-- override by name (wilson_low(x, n, z := 2.576) for 99%). The bounds lie in [0, 1]; greatest/least
-- only remove floating-point rounding at x = 0 and x = n. NULL without trials.
create or replace temp macro wilson_low(successes, trials, z := 1.96) as
  greatest(0, (successes + z::float8 * z / 2 - z::float8 * sqrt(successes::float8 * (trials - successes) / nullif(trials, 0) + z::float8 * z / 4))
    / (trials + z::float8 * z));

create or replace temp macro wilson_high(successes, trials, z := 1.96) as
  least(1, (successes + z::float8 * z / 2 + z::float8 * sqrt(successes::float8 * (trials - successes) / nullif(trials, 0) + z::float8 * z / 4))
    / (trials + z::float8 * z));

-- Newcombe's hybrid score interval for the difference of two independent proportions
-- p_t − p_c (Newcombe 1998, "Interval estimation for the difference between independent
-- proportions", method 10): with Wilson bounds l, u of each arm and d = p_t − p_c,
--   low = d − √((p_t − l_t)² + (u_c − p_c)²),  high = d + √((u_t − p_t)² + (p_c − l_c)²).
-- It stays within [−1, 1] and has a width when a rate is 0 or 1. NULL when an arm is empty.
create or replace temp macro newcombe_low(successes_t, trials_t, successes_c, trials_c, z := 1.96) as
  successes_t::float8 / nullif(trials_t, 0) - successes_c::float8 / nullif(trials_c, 0)
  - sqrt(
    power(successes_t::float8 / nullif(trials_t, 0) - wilson_low(successes_t, trials_t, z := z), 2)
    + power(wilson_high(successes_c, trials_c, z := z) - successes_c::float8 / nullif(trials_c, 0), 2)
  );

create or replace temp macro newcombe_high(successes_t, trials_t, successes_c, trials_c, z := 1.96) as
  successes_t::float8 / nullif(trials_t, 0) - successes_c::float8 / nullif(trials_c, 0)
  + sqrt(
    power(wilson_high(successes_t, trials_t, z := z) - successes_t::float8 / nullif(trials_t, 0), 2)
    + power(successes_c::float8 / nullif(trials_c, 0) - wilson_low(successes_c, trials_c, z := z), 2)
  );

-- The minimum detectable lift of two arms: the smallest difference in response rate that arms of
-- n_t and n_c members, at a base response rate p, show with a two-sided test at 95% confidence and
-- 80% power (normal approximation, the variance at p in both arms):
--   MDL = (z_0.975 + z_0.80) √(p (1 − p) (1/n_t + 1/n_c)),  z_0.975 = 1.959964, z_0.80 = 0.841621.
-- n_t = 1000, n_c = 100, p = 0.05 gives 0.0640; NULL when an arm is empty.
create or replace temp macro minimum_detectable_lift(p, n_t, n_c, z_confidence := 1.959964, z_power := 0.841621) as
  (z_confidence + z_power) * sqrt(p * (1 - p) * (1::float8 / nullif(n_t, 0) + 1::float8 / nullif(n_c, 0)));

-- The member level (seeds/member_levels.csv) that completed purchases worth `revenue`, `purchases`
-- of them, reach: the highest level whose revenue or count threshold either meets, as a struct of
-- its level and level_rank (member_level and member_level_rank give each). The levels are read
-- once, highest first, and searched per row: as a
-- correlated subquery, or joined back to the seed, DuckDB held every row of the calling query in
-- memory, which ran a 10M-member build out of memory.
create or replace temp macro member_level_ranked(revenue, purchases) as
  list_filter(
    (select list({'level': level, 'level_rank': level_rank, 'min_revenue': min_revenue, 'min_purchases': min_purchases} order by level_rank desc) from seeds.member_levels),
    candidate -> revenue >= candidate.min_revenue or purchases >= candidate.min_purchases
  )[1];

create or replace temp macro member_level(revenue, purchases) as member_level_ranked(revenue, purchases).level;

create or replace temp macro member_level_rank(revenue, purchases) as member_level_ranked(revenue, purchases).level_rank;

-- P(alive) of a member with x repeat occasions, recency t_x and age T under a BG/NBD-family fit
-- (docs/metrics.md): d = the member's dropout chances, x for bgnbd, x + 1 for mbgnbd (which lets
-- a customer drop out right after the first occasion too). 1 when d = 0; NULL without a fit.
create or replace temp macro bgnbd_p_alive(model, r, alpha, a, b, x, t_x, t_cal) as
  case
    when r is null then null
    when x + (model = 'mbgnbd')::integer = 0 then 1.0::float8
    else 1::float8 / (1 + a::float8 / (b + x + (model = 'mbgnbd')::integer - 1) * exp((r + x) * ln((alpha + t_cal) / (alpha + t_x))))
  end;

-- Figures worded as a printed page shows them (the monthly report).
-- A change: as a ratio (▲12.5%, ▲1,250.0% past ten times) or in points (▲1.2 pts); '—' without a
-- base to set it against.
create or replace temp macro change_text(change, unit) as
  case
    when change is null then '—'
    when unit = 'share' then case when change < 0 then '▼' else '▲' end || grouped_text(abs(change) * 100, 1) || ' pts'
    else case when change < 0 then '▼' else '▲' end || grouped_text(abs(change) * 100, 1) || '%'
  end;

-- A number as text with thousands separators and a fixed number of decimals: 1,234.6. Models word
-- numbers with macros, not with format or printf, whose patterns PostgreSQL writes otherwise.
-- Rounded half away from zero (四舍五入: ¥1,066.50 reads ¥1,067), on the value to 6 decimals, so that
-- a sum's binary noise (28046.499999999993 for 28046.5) rounds as the amount it stands for, and
-- the same on PostgreSQL (format alone rounds the binary value half to even: ¥1,066).
create or replace temp macro grouped_text(value, decimals) as format('{:,.' || decimals || 'f}', round(value::decimal(38, 6), decimals));

-- A number as text with `digits` significant digits, in exponent form when very large or small
-- (printf's %g): 4.851e+08.
create or replace temp macro significant_text(value, digits) as printf('%.' || digits || 'g', value);

-- A figure: ¥ to the yuan, a count with separators, a share in %; '—' when there is none.
create or replace temp macro figure_text(value, unit) as
  case
    when value is null then '—'
    when unit = 'yuan' then case when value < 0 then '−' else '' end || '¥' || grouped_text(abs(value), 0)
    when unit = 'share' then grouped_text(value * 100, 1) || '%'
    else grouped_text(value, 0)
  end;

-- A part of a change: signed, ¥ to the yuan.
create or replace temp macro signed_yuan_text(amount) as
  case when amount is null then '—' else case when amount < 0 then '−' else '+' end || '¥' || grouped_text(abs(amount), 0) end;
