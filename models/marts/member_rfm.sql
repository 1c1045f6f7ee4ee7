-- One row per member with a purchase occasion in the RFM lookback (the rfm_lookback_days days up
-- to and including the as-of date); members without one are not scored and show as churned in
-- lifecycle. R = days since the last occasion, F = occasions in the lookback, M = net revenue in
-- the lookback. Scores 1..5 by quintile, 1 + floor(5 (rank - 1) / n) with rank() ascending by F,
-- by M and by -R (so 5 = most recent; ties share a score), or by the thresholds of
-- seeds/rfm_thresholds.csv (rfm_method = thresholds). The segment compares R, F, M with the
-- population mean (or median, segment_threshold): high R = fewer days than it, high F and M =
-- above it; a value equal to it counts as low.
-- grain: member_id
-- tests: accepted_range(r_score, 1, 5); accepted_range(f_score, 1, 5); accepted_range(m_score, 1, 5); not_null(segment, segment_zh, r_score, f_score, m_score); accepted_values(rfm_method, 'quintile', 'thresholds')
with

occasions as (select * from intermediate.int_purchase_occasions),

as_of as (select * from intermediate.int_as_of_date_resolved),

thresholds as (select * from seeds.rfm_thresholds),

segment_labels as (select * from seeds.segment_labels),

lookback as (
  select
    occasions.member_id,
    any_value(as_of.as_of_date) as as_of_date,
    any_value(as_of.as_of_date) - max(occasions.occasion_date) as recency_days,
    count(*) as frequency,
    sum(occasions.revenue)::decimal(18, 2) as monetary -- net, in the lookback
  from occasions
  cross join as_of
  where occasions.occasion_date > as_of.as_of_date - getvariable('rfm_lookback_days')
  group by occasions.member_id
),

quintiles as (
  select
    member_id,
    1 + floor((5 * (rank() over (order by -recency_days) - 1))::float8 / count(*) over ())::integer as r_quintile,
    1 + floor((5 * (rank() over (order by frequency) - 1))::float8 / count(*) over ())::integer as f_quintile,
    1 + floor((5 * (rank() over (order by monetary) - 1))::float8 / count(*) over ())::integer as m_quintile
  from lookback
  where getvariable('rfm_method') is distinct from 'thresholds'
),

threshold_scores as (
  select
    lookback.member_id,
    coalesce(max(thresholds.score) filter (where lookback.recency_days <= thresholds.max_recency_days), 1) as r_threshold,
    coalesce(max(thresholds.score) filter (where lookback.frequency >= thresholds.min_frequency), 1) as f_threshold,
    coalesce(max(thresholds.score) filter (where lookback.monetary >= thresholds.min_monetary), 1) as m_threshold
  from lookback
  cross join thresholds
  -- Only for the method in use: the other's scores are never read.
  where getvariable('rfm_method') = 'thresholds'
  group by lookback.member_id
),

population as (
  select
    rfm_threshold(recency_days) as recency_threshold,
    rfm_threshold(frequency) as frequency_threshold,
    rfm_threshold(monetary) as monetary_threshold
  from lookback
),

scored as (
  select
    lookback.*,
    getvariable('rfm_method') as rfm_method,
    case getvariable('rfm_method') when 'thresholds' then threshold_scores.r_threshold else quintiles.r_quintile end as r_score,
    case getvariable('rfm_method') when 'thresholds' then threshold_scores.f_threshold else quintiles.f_quintile end as f_score,
    case getvariable('rfm_method') when 'thresholds' then threshold_scores.m_threshold else quintiles.m_quintile end as m_score,
    lookback.recency_days < population.recency_threshold as r_high,
    lookback.frequency > population.frequency_threshold as f_high,
    lookback.monetary > population.monetary_threshold as m_high
  from lookback
  left join quintiles on quintiles.member_id = lookback.member_id
  left join threshold_scores on threshold_scores.member_id = lookback.member_id
  cross join population
),

final as (
  select
    scored.member_id,
    scored.as_of_date,
    scored.recency_days,
    scored.frequency,
    scored.monetary,
    scored.r_score,
    scored.f_score,
    scored.m_score,
    scored.r_score::varchar || scored.f_score::varchar || scored.m_score::varchar as rfm_cell,
    scored.r_high,
    scored.f_high,
    scored.m_high,
    segment_labels.segment,
    segment_labels.segment_zh,
    scored.rfm_method
  from scored
  left join segment_labels
    on segment_labels.r_high = scored.r_high
   and segment_labels.f_high = scored.f_high
   and segment_labels.m_high = scored.m_high
)

select * from final
