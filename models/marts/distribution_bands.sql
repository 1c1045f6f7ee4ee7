-- The CRM back-office distributions of buyers (members with a purchase): by recency, by average
-- order value and by purchase occasions, in the bands of seeds/bands.csv (lower bound inclusive,
-- upper exclusive; the p_alive bands are forecast_p_alive_bands'). A dimension whose seed row
-- leaves the bounds empty is cut at the shop's own quantiles: with n = distribution_quantile_bands,
-- cut point i (1..n−1) is the buyers' value at position ceil(i·N/n) in ascending order (N buyers),
-- rounded to two significant figures; equal cut points and one at or below the smallest value
-- count once or not at all; the labels are built from the cut points (<¥87, ¥87–140, ≥¥210).
-- Every band appears, empty ones with zero members; from_quantiles says which bands were cut so.
-- grain: dimension, band
-- tests: not_null(band, members, share, band_order)
with

member_facts as (select * from marts.member_facts),

bands as (select * from seeds.bands where dimension <> 'p_alive'), -- forecast_p_alive_bands

buyer_values as (
  select 'recency_days' as dimension, recency_days::float8 as value from member_facts where occasions > 0
  union all
  select 'order_value' as dimension, aov::float8 as value from member_facts where occasions > 0
  union all
  select 'purchase_count' as dimension, occasions::float8 as value from member_facts where occasions > 0
),

-- What a generated label writes before a number.
dimension_units as (
  select * from (values ('order_value', '¥')) as units(dimension, unit)
),

seeded_bands as (
  select dimension, band, band_order, lower_bound, upper_bound, false as from_quantiles
  from bands
  where lower_bound is not null or upper_bound is not null
),

quantile_dimensions as (
  select dimension from bands group by dimension having count(lower_bound) + count(upper_bound) = 0
),

positioned as (
  select
    buyer_values.dimension,
    buyer_values.value,
    row_number() over (partition by buyer_values.dimension order by buyer_values.value) as position,
    count(*) over (partition by buyer_values.dimension) as buyers,
    min(buyer_values.value) over (partition by buyer_values.dimension) as smallest
  from buyer_values
  inner join quantile_dimensions on quantile_dimensions.dimension = buyer_values.dimension
),

cut_numbers as (
  select cut_number from generate_series(1, getvariable('distribution_quantile_bands') - 1) as series(cut_number)
),

-- The value at each cut position, and the decimal places that leave it two significant figures
-- (negative: tens, hundreds).
cut_values as (
  select
    positioned.dimension,
    positioned.value,
    case when positioned.value > 0 then 1 - floor(log10(positioned.value))::integer end as places,
    positioned.smallest
  from positioned
  inner join cut_numbers
    on positioned.position = ceil((cut_numbers.cut_number * positioned.buyers)::float8 / getvariable('distribution_quantile_bands'))
),

-- Rounded half away from zero as round(value, places) rounds a DOUBLE: the value scaled to two
-- digits before the point, rounded half up (it is above 0), and scaled back.
cut_points as (
  select distinct
    dimension,
    case
      when value <= 0 then 0
      when places >= 0 then floor(value * power(10, places) + 0.5)::float8 / power(10, places)
      else floor(value::float8 / power(10, -places) + 0.5) * power(10, -places)
    end as cut,
    smallest
  from cut_values
),

readable_cuts as (
  select dimension, cut from cut_points where cut > smallest
),

quantile_bounds as (
  select
    dimension,
    cut as lower_bound,
    lead(cut) over (partition by dimension order by cut) as upper_bound,
    1 + row_number() over (partition by dimension order by cut) as band_order
  from readable_cuts
  union all
  select quantile_dimensions.dimension, null as lower_bound, min(readable_cuts.cut) as upper_bound, 1 as band_order
  from quantile_dimensions
  left join readable_cuts on readable_cuts.dimension = quantile_dimensions.dimension
  group by quantile_dimensions.dimension
),

-- The bounds as the labels write them, with printf's %g digits: a cut of two significant figures
-- from 0.0001 up to 1,000,000 is its decimal without trailing zeros (87, 140, 0.5).
worded_bounds as (
  select
    dimension,
    lower_bound,
    upper_bound,
    band_order,
    regexp_replace(lower_bound::decimal(38, 6)::varchar, '\.?0+$', '') as lower_text,
    regexp_replace(upper_bound::decimal(38, 6)::varchar, '\.?0+$', '') as upper_text
  from quantile_bounds
),

quantile_bands as (
  select
    worded_bounds.dimension,
    case
      when worded_bounds.lower_bound is null and worded_bounds.upper_bound is null then '全部 all'
      when worded_bounds.lower_bound is null then '<' || coalesce(dimension_units.unit, '') || worded_bounds.upper_text
      when worded_bounds.upper_bound is null then '≥' || coalesce(dimension_units.unit, '') || worded_bounds.lower_text
      else coalesce(dimension_units.unit, '') || worded_bounds.lower_text || '–' || worded_bounds.upper_text
    end as band,
    worded_bounds.band_order,
    worded_bounds.lower_bound,
    worded_bounds.upper_bound,
    true as from_quantiles
  from worded_bounds
  left join dimension_units on dimension_units.dimension = worded_bounds.dimension
),

all_bands as (
  select * from seeded_bands
  union all
  select * from quantile_bands
),

banded as (
  select
    all_bands.dimension,
    all_bands.band,
    all_bands.band_order,
    all_bands.lower_bound,
    all_bands.upper_bound,
    all_bands.from_quantiles,
    count(buyer_values.value) as members
  from all_bands
  left join buyer_values
    on buyer_values.dimension = all_bands.dimension
   and (all_bands.lower_bound is null or buyer_values.value >= all_bands.lower_bound)
   and (all_bands.upper_bound is null or buyer_values.value < all_bands.upper_bound)
  group by all_bands.dimension, all_bands.band, all_bands.band_order, all_bands.lower_bound, all_bands.upper_bound, all_bands.from_quantiles
),

final as (
  select
    *,
    coalesce(members::float8 / nullif(sum(members) over (partition by dimension), 0), 0) as share
  from banded
)

select * from final
