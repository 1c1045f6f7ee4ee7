-- The values of the audience's list filters that name nothing the shop has, each filter with the
-- values it may take: lifecycle stages, RFM segments and member levels from their seeds, city
-- tiers from seeds/region_tiers.csv, provinces from it and from the members' own data (compared
-- without a final 省 or 市, as audience-filters.ts compares them), member tags (attribute=value)
-- from the products file's attribute values and the price bands of seeds/price_bands.csv, and
-- those price bands for --bought-price-band. A typo would select nobody
-- without a word. One row per filter with an unknown value; none when all are known.
-- audience_given, a temp table of the export: each value of a list or text filter given (flag, value as text).
with

stages as (select * from seeds.lifecycle_stages),

segments as (select * from seeds.segment_labels),

levels as (select * from seeds.member_levels),

-- rowid: the seed's line order, that of the division codes.
region_tiers as (select *, rowid as seed_line from seeds.region_tiers),

member_facts as (select * from marts.member_facts),

product_attributes as (select * from intermediate.int_product_attributes),

price_bands as (select * from seeds.price_bands),

-- The attributes' values in text order, then the price bands in theirs.
tags as (
  select distinct attribute || '=' || value as tag, 0 as position from product_attributes
  union all
  select 'price_band=' || band, band_order from price_bands
),

-- In the seed's order, then those only the members' data has.
provinces as (
  select province, seed_line as position from region_tiers
  union all
  select province, null as position from member_facts where province is not null
),

-- Each filter's values as written (value), as compared (matched), in the seed's order (position).
domains as (
  select 'stage' as flag, 'lifecycle stage' as kind, 'seeds/lifecycle_stages.csv' as source, stage as value, stage as matched, stage_order as position
  from stages
  union all
  select 'segment', 'RFM segment', 'seeds/segment_labels.csv', segment, segment, segment_order from segments
  union all
  select 'level', 'member level', 'seeds/member_levels.csv', level, level, level_rank from levels
  union all
  select distinct 'tier', 'city tier', 'seeds/region_tiers.csv', city_tier::varchar, city_tier::varchar, city_tier from region_tiers
  union all
  select 'tag', 'member tag', 'the products file''s attributes and seeds/price_bands.csv', tag, tag, position from tags
  union all
  select 'bought-price-band', 'price band', 'seeds/price_bands.csv', band, band, band_order from price_bands
  union all
  -- A province the seed names is listed as it writes it.
  select 'province', 'province', 'seeds/region_tiers.csv and the members'' data', coalesce(arg_min(province, position), min(province)), regexp_replace(province, '[省市]$', ''), min(position)
  from provinces
  group by regexp_replace(province, '[省市]$', '')
),

-- The values given, of the filters above only (others take any value).
given as (
  select flag, value, case flag when 'province' then regexp_replace(value, '[省市]$', '') else value end as matched
  from audience_given
  where flag in (select flag from domains)
),

unknown as (
  select flag, list(distinct value order by value) as unknown_values
  from given
  anti join domains using (flag, matched)
  group by flag
),

final as (
  select
    unknown.flag,
    unknown.unknown_values,
    any_value(domains.kind) as kind,
    any_value(domains.source) as source,
    list(domains.value order by domains.position nulls last, domains.value) as valid_values
  from unknown
  inner join domains on domains.flag = unknown.flag
  group by unknown.flag, unknown.unknown_values
)

select * from final order by flag
