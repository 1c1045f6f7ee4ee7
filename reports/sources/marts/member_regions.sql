select coalesce(province, 'unknown') as province, coalesce(city_tier::varchar, 'unknown') as city_tier,
       count(*) as members, count(*) filter (where occasions > 0) as buyers, sum(revenue) as revenue
from marts.member_facts
group by all
