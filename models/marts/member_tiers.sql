-- Members, buyers and net revenue by city tier (seeds/region_tiers.csv: 一线 … 五线), member_regions
-- summed over provinces, with each tier's share; members whose city is not known or matches no
-- prefecture-level city show as unknown (未知), so that the share the tiers cover is plain.
-- city_tier_label is the tier's Chinese name with its English (seeds/code_labels.csv).
-- grain: city_tier
-- tests: not_null(city_tier_zh, members, member_share)
with

member_regions as (select * from marts.member_regions),

region_tiers as (select * from seeds.region_tiers),

code_labels as (select * from intermediate.int_code_labels where code_set = 'city_tier'),

tier_names as (
  select distinct city_tier, city_tier_zh from region_tiers
),

by_tier as (
  select
    member_regions.city_tier,
    coalesce(tier_names.city_tier_zh, '未知') as city_tier_zh,
    coalesce(tier_names.city_tier, 99) as tier_order,
    sum(member_regions.members)::bigint as members,
    sum(member_regions.buyers)::bigint as buyers,
    sum(member_regions.revenue)::decimal(18, 2) as revenue
  from member_regions
  left join tier_names on tier_names.city_tier::varchar = member_regions.city_tier
  group by member_regions.city_tier, tier_names.city_tier_zh, tier_names.city_tier
),

final as (
  select
    by_tier.*,
    by_tier.city_tier_zh || coalesce(' ' || code_labels.label_en, '') as city_tier_label,
    by_tier.members::float8 / sum(by_tier.members) over () as member_share,
    by_tier.buyers::float8 / nullif(sum(by_tier.buyers) over (), 0) as buyer_share
  from by_tier
  left join code_labels on code_labels.code = by_tier.city_tier
)

select * from final
