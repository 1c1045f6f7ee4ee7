-- Members, buyers and net revenue by province and city tier; members without a known province or
-- tier show as 'unknown' (the Members page's region tables).
-- grain: province, city_tier
-- tests: not_null(members, buyers)
with

member_facts as (select * from marts.member_facts),

by_region as (
  select
    coalesce(province, 'unknown') as province,
    coalesce(city_tier::varchar, 'unknown') as city_tier,
    count(*) as members,
    count(*) filter (where occasions > 0) as buyers,
    sum(revenue)::decimal(18, 2) as revenue
  from member_facts
  group by 1, 2
),

final as (
  select * from by_region
)

select * from final
