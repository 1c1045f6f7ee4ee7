-- Members, buyers and net revenue by city tier (seeds/region_tiers.csv: 一线 … 五线), with each
-- tier's share; members whose city is not known or matches no prefecture-level city show as
-- unknown (未知), so that the share the tiers cover is plain.
-- grain: city_tier
-- tests: not_null(city_tier_zh, members, member_share)
with

member_facts as (select * from marts.member_facts),

by_tier as (
  select
    coalesce(city_tier::varchar, 'unknown') as city_tier,
    coalesce(city_tier_zh, '未知') as city_tier_zh,
    coalesce(city_tier, 99) as tier_order,
    count(*) as members,
    count(*) filter (where occasions > 0) as buyers,
    sum(revenue)::decimal(18, 2) as revenue
  from member_facts
  group by all
),

final as (
  select
    *,
    members / sum(members) over () as member_share,
    buyers / nullif(sum(buyers) over (), 0) as buyer_share
  from by_tier
)

select * from final
