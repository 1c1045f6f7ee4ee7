select member_level, member_level_zh, count(*) as members, sum(revenue) as revenue
from marts.member_facts
group by member_level, member_level_zh
