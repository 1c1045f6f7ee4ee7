-- What changed in each complete month of kpi_month_compared (latest = the last complete one, the
-- month the Overview opens on), and why: against the month before (环比, comparison month_before)
-- and the same month a year before (同比, year_before; no row when that month is before the data's
-- first month). Buyers, revenue, the within-month
-- repurchase rate (月内复购率) and new members (members first known, joined or ordered, in the
-- month, i.e. members_total less the month before's) in both months. The revenue change R1 − R0 is
-- split exactly by LMDI (log-mean Divisia) over revenue = buyers × purchases per buyer × AOV:
-- part_x = L(R1, R0) × ln(x1 / x0), L(a, b) = (a − b) / (ln a − ln b), L(a, a) = a; the logs of
-- the three ratios sum to ln(R1 / R0), so the parts sum to R1 − R0 with no residual (in cents,
-- the main driver takes the cent rounding loses). A logarithm needs every factor above 0 in both
-- months; where one is not, the parts are NULL and decomposition_gap says why. The change also
-- splits by new and returning buyers' revenue. The sentence names the part that moved revenue most;
-- its words are code sets revenue_comparison, revenue_direction and revenue_driver of
-- seeds/code_labels.csv.
-- grain: month, comparison
-- tests: accepted_values(comparison, 'month_before', 'year_before'); accepted_values(main_driver, 'buyers', 'purchases_per_buyer', 'aov'); accepted_values(decomposition_gap, 'no_buyers', 'no_revenue'); not_null(month, latest, base_month, revenue_change_amount, new_buyers_part, returning_buyers_part, sentence)
with

month_compared as (select * from marts.kpi_month_compared),

kpi_monthly as (select * from marts.kpi_monthly),

monthly as (
  select
    *,
    members_total - lag(members_total) over (order by month) as new_members
  from kpi_monthly
),

code_labels as (select * from intermediate.int_code_labels),

pairs as (
  select 'month_before' as comparison, month, latest, previous_month as base_month from month_compared
  union all
  select 'year_before' as comparison, month, latest, (month - interval '1 year')::date as base_month from month_compared
),

compared as (
  select
    pairs.comparison,
    pairs.month,
    pairs.latest,
    pairs.base_month,
    this.buyers,
    base.buyers as base_buyers,
    this.purchases,
    base.purchases as base_purchases,
    this.revenue,
    base.revenue as base_revenue,
    this.revenue - base.revenue as revenue_change_amount,
    this.aov,
    base.aov as base_aov,
    (this.revenue - this.returning_revenue) - (base.revenue - base.returning_revenue) as new_buyers_part,
    this.returning_revenue - base.returning_revenue as returning_buyers_part,
    this.repurchase_rate,
    base.repurchase_rate as base_repurchase_rate,
    this.new_members,
    base.new_members as base_new_members,
    case
      when least(this.buyers, base.buyers, this.purchases, base.purchases) <= 0 then 'no_buyers'
      when least(this.revenue, base.revenue) <= 0 then 'no_revenue'
    end as decomposition_gap
  from pairs
  inner join monthly as this on this.month = pairs.month
  inner join monthly as base on base.month = pairs.base_month
),

log_means as (
  select
    *,
    case
      when decomposition_gap is not null then null
      when revenue = base_revenue then revenue::float8
      else (revenue - base_revenue)::float8 / (ln(revenue) - ln(base_revenue))
    end as log_mean_revenue
  from compared
),

exact_parts as (
  select
    *,
    -- A logarithm of 0 or less fails: only a splittable month pair reaches one.
    case when decomposition_gap is null then log_mean_revenue * ln(buyers::float8 / base_buyers) end as buyers_exact,
    case when decomposition_gap is null then log_mean_revenue * ln((purchases::float8 / buyers)::float8 / (base_purchases::float8 / base_buyers)) end
      as purchases_per_buyer_exact,
    case when decomposition_gap is null then log_mean_revenue * ln((revenue::float8 / purchases)::float8 / (base_revenue::float8 / base_purchases)) end as aov_exact
  from log_means
),

drivers as (
  select
    *,
    case greatest(abs(buyers_exact), abs(purchases_per_buyer_exact), abs(aov_exact))
      when abs(buyers_exact) then 'buyers'
      when abs(purchases_per_buyer_exact) then 'purchases_per_buyer'
      when abs(aov_exact) then 'aov'
    end as main_driver,
    revenue_change_amount
    - (buyers_exact::decimal(18, 2) + purchases_per_buyer_exact::decimal(18, 2) + aov_exact::decimal(18, 2)) as rounding_residual
  from exact_parts
),

-- Parts in cents: the cent lost to rounding (at most one or two) goes to the main driver, so that
-- the three parts still sum to the change.
parts as (
  select
    *,
    (buyers_exact::decimal(18, 2) + case when main_driver = 'buyers' then rounding_residual else 0 end)::decimal(18, 2) as buyers_part,
    (purchases_per_buyer_exact::decimal(18, 2) + case when main_driver = 'purchases_per_buyer' then rounding_residual else 0 end)::decimal(18, 2) as purchases_per_buyer_part,
    (aov_exact::decimal(18, 2) + case when main_driver = 'aov' then rounding_residual else 0 end)::decimal(18, 2) as aov_part
  from drivers
),

main_driver_parts as (
  select
    *,
    case main_driver when 'buyers' then buyers_part when 'purchases_per_buyer' then purchases_per_buyer_part else aov_part end as main_driver_amount
  from parts
),

-- ¥ with thousands separators, whole yuan; a part signed with − (U+2212) or + (figure_text's and
-- signed_yuan_text's wording; NULL without an amount).
worded as (
  select
    *,
    case when revenue_change_amount < 0 then 'down' else 'up' end as direction,
    case when revenue_change_amount is not null then figure_text(abs(revenue_change_amount), 'yuan') end as change_text,
    case when main_driver_amount is not null then signed_yuan_text(main_driver_amount) end as driver_text,
    main_driver || case when main_driver_amount < 0 then '_down' else '_up' end as driver_code
  from main_driver_parts
),

final as (
  select
    worded.comparison,
    comparison_labels.label as comparison_label,
    worded.month,
    worded.latest,
    worded.base_month,
    worded.buyers,
    worded.base_buyers,
    worded.buyers::float8 / nullif(worded.base_buyers, 0) - 1 as buyers_change,
    worded.revenue,
    worded.base_revenue,
    worded.revenue_change_amount,
    worded.revenue::float8 / nullif(worded.base_revenue, 0) - 1 as revenue_change,
    worded.repurchase_rate,
    worded.base_repurchase_rate,
    worded.repurchase_rate - worded.base_repurchase_rate as repurchase_rate_change,
    worded.new_members,
    worded.base_new_members,
    worded.new_members::float8 / nullif(worded.base_new_members, 0) - 1 as new_members_change,
    worded.purchases::float8 / nullif(worded.buyers, 0) as purchases_per_buyer,
    worded.base_purchases::float8 / nullif(worded.base_buyers, 0) as base_purchases_per_buyer,
    worded.aov,
    worded.base_aov,
    worded.buyers_part,
    worded.purchases_per_buyer_part,
    worded.aov_part,
    worded.decomposition_gap,
    gap_labels.label as decomposition_gap_label,
    worded.main_driver,
    worded.new_buyers_part,
    worded.returning_buyers_part,
    '销售额比' || comparison_labels.label_zh || direction_labels.label_zh || ' ' || worded.change_text
    || coalesce('，主要因为' || driver_labels.label_zh || '（' || worded.driver_text || '）', '（' || gap_labels.label_zh || '）')
    || '· Revenue ' || direction_labels.label_en || ' ' || worded.change_text || ' on ' || comparison_labels.label_en
    || coalesce(', mostly from ' || driver_labels.label_en || ' (' || worded.driver_text || ')', ' (' || gap_labels.label_en || ')') as sentence
  from worded
  left join code_labels as comparison_labels on comparison_labels.code_set = 'revenue_comparison' and comparison_labels.code = worded.comparison
  left join code_labels as direction_labels on direction_labels.code_set = 'revenue_direction' and direction_labels.code = worded.direction
  left join code_labels as driver_labels on driver_labels.code_set = 'revenue_driver' and driver_labels.code = worded.driver_code
  left join code_labels as gap_labels on gap_labels.code_set = 'decomposition_gap' and gap_labels.code = worded.decomposition_gap
)

select * from final
