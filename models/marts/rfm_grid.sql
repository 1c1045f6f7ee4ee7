-- Scored members and their lookback revenue in each cell of the R × F score grid (the RFM page's heatmap).
-- grain: recency_score, frequency_score
-- tests: not_null(members)
with

member_rfm as (select * from marts.member_rfm),

cells as (
  select 'R' || r_score as recency_score, 'F' || f_score as frequency_score, count(*) as members, sum(monetary)::decimal(18, 2) as revenue
  from member_rfm
  group by r_score, f_score
),

final as (
  select * from cells
)

select * from final
