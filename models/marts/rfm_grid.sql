-- Scored members and their lookback revenue in each cell of the R × F score grid (the RFM page's
-- heatmap): all 25 cells, empty ones with zero members, so that a score no member has (a tie,
-- marts.rfm_score_ties) shows as an empty column or row rather than not at all.
-- grain: recency_score, frequency_score
-- tests: not_null(members, revenue)
with

member_rfm as (select * from marts.member_rfm),

score_values as (
  select score from (values (1), (2), (3), (4), (5)) as scores(score)
),

cells as (
  select r_score, f_score, count(*) as members, sum(monetary)::decimal(18, 2) as revenue
  from member_rfm
  group by r_score, f_score
),

final as (
  select
    'R' || recency.score as recency_score,
    'F' || frequency.score as frequency_score,
    coalesce(cells.members, 0) as members,
    coalesce(cells.revenue, 0)::decimal(18, 2) as revenue
  from score_values as recency
  cross join score_values as frequency
  left join cells on cells.r_score = recency.score and cells.f_score = frequency.score
)

select * from final
