select 'R' || r_score as recency_score, 'F' || f_score as frequency_score, count(*) as members, sum(monetary) as revenue
from marts.member_rfm
group by r_score, f_score
