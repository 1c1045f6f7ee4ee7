-- The CRM back-office distributions of buyers (members with a purchase): by recency, by average
-- order value and by purchase occasions, in the bands of seeds/bands.csv (lower bound inclusive,
-- upper exclusive; the p_alive bands are forecast_p_alive_bands'). Every band appears, empty ones
-- with zero members.
-- grain: dimension, band
-- tests: not_null(members, share, band_order)
with

member_facts as (select * from marts.member_facts),

bands as (select * from seeds.bands),

buyer_values as (
  select 'recency_days' as dimension, recency_days::double as value from member_facts where occasions > 0
  union all
  select 'order_value' as dimension, aov::double as value from member_facts where occasions > 0
  union all
  select 'purchase_count' as dimension, occasions::double as value from member_facts where occasions > 0
),

banded as (
  select
    bands.dimension,
    bands.band,
    bands.band_order,
    count(buyer_values.value) as members
  from bands
  left join buyer_values
    on buyer_values.dimension = bands.dimension
   and (bands.lower_bound is null or buyer_values.value >= bands.lower_bound)
   and (bands.upper_bound is null or buyer_values.value < bands.upper_bound)
  where bands.dimension <> 'p_alive' -- forecast_p_alive_bands
  group by bands.dimension, bands.band, bands.band_order
),

final as (
  select
    *,
    coalesce(members / nullif(sum(members) over (partition by dimension), 0), 0) as share
  from banded
)

select * from final
