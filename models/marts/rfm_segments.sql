-- One row per RFM segment (all eight, empty ones with zero members), with its Chinese name, the
-- members' share of scored members, their lookback revenue and its share, average R/F/M and the
-- recommended action in Chinese and English; segment_label is 中文 English (seeds/segment_labels.csv).
-- grain: segment
-- tests: not_null(segment_zh, members, recommended_action_zh, recommended_action); accepted_range(share, 0, 1)
with

member_rfm as (select * from marts.member_rfm),

segment_labels as (select * from seeds.segment_labels),

code_labels as (select * from intermediate.int_code_labels where code_set = 'segment'),

by_segment as (
  select
    segment,
    count(*) as members,
    sum(monetary) as revenue,
    avg(recency_days) as avg_recency_days,
    avg(frequency) as avg_frequency,
    avg(monetary)::decimal(18, 2) as avg_monetary
  from member_rfm
  group by segment
),

final as (
  select
    segment_labels.segment,
    segment_labels.segment_zh,
    code_labels.label as segment_label,
    segment_labels.segment_order,
    coalesce(by_segment.members, 0) as members,
    coalesce(by_segment.members, 0)::float8 / nullif(sum(by_segment.members) over (), 0) as share,
    coalesce(by_segment.revenue, 0)::decimal(18, 2) as revenue,
    coalesce(by_segment.revenue, 0)::float8 / nullif(sum(by_segment.revenue) over (), 0) as revenue_share,
    by_segment.avg_recency_days,
    by_segment.avg_frequency,
    by_segment.avg_monetary,
    segment_labels.description,
    segment_labels.recommended_action_zh,
    segment_labels.recommended_action
  from segment_labels
  left join by_segment on by_segment.segment = segment_labels.segment
  left join code_labels on code_labels.code = segment_labels.segment
)

select * from final
