-- The forecast of member_forecast summed by lifecycle stage, by RFM segment (members outside the
-- RFM lookback as not_scored) and by member level (the Lifecycle page): buyers, those without a
-- repeat occasion, mean P(alive) (of the model member_forecast.p_alive_model names) of the
-- buyers it says something about (avg_p_alive: every buyer under MBG/NBD, the default, where a
-- one-time buyer may have left; repeat buyers only under BG/NBD, whose P(alive) of a one-time
-- buyer is 1 by construction and would read as "alive") and of repeat buyers,
-- expected occasions in the next 365 days, 12-month CLV in total, per buyer and as a share of
-- the shop's. Every stage, segment and level appears, empty ones with zero buyers, labelled from
-- int_code_labels (group_zh; group_label = 中文 English).
-- grain: dimension, group_key
-- tests: not_null(group_zh, group_label, group_order, buyers); accepted_values(dimension, 'lifecycle_stage', 'rfm_segment', 'member_level')
with

member_forecast as (select * from marts.member_forecast),

member_facts as (select * from marts.member_facts),

member_rfm as (select * from marts.member_rfm),

code_labels as (select * from intermediate.int_code_labels),

forecast_members as (
  select
    member_forecast.*,
    member_facts.lifecycle_stage,
    member_facts.member_level,
    coalesce(member_rfm.segment, 'not_scored') as segment
  from member_forecast
  inner join member_facts on member_facts.member_id = member_forecast.member_id
  left join member_rfm on member_rfm.member_id = member_forecast.member_id
),

grouped as (
  select
    case
      when grouping(lifecycle_stage) = 0 then 'lifecycle_stage'
      when grouping(segment) = 0 then 'rfm_segment'
      else 'member_level'
    end as dimension,
    coalesce(lifecycle_stage, segment, member_level) as group_key,
    count(*) as buyers,
    count(*) filter (where x = 0) as one_time_buyers,
    -- Summed as DECIMAL: exact, so the same in every build (a sum of DOUBLEs depends on the order).
    avg(p_alive::decimal(18, 15)) filter (where x > 0 or p_alive_model = 'mbgnbd') as avg_p_alive,
    avg(p_alive::decimal(18, 15)) filter (where x > 0) as avg_p_alive_repeat_buyers,
    sum(expected_occasions_365d::decimal(18, 9))::float8 as expected_occasions_365d,
    sum(clv_12m) as clv_12m
  from forecast_members
  group by grouping sets ((lifecycle_stage), (segment), (member_level))
),

labels as (
  select
    case code_set when 'stage' then 'lifecycle_stage' when 'segment' then 'rfm_segment' else 'member_level' end as dimension,
    code as group_key,
    label_zh as group_zh,
    label as group_label,
    code_order as group_order
  from code_labels
  where code_set in ('stage', 'segment', 'level')
),

final as (
  select
    labels.dimension,
    labels.group_key,
    labels.group_zh,
    labels.group_label,
    labels.group_order,
    coalesce(grouped.buyers, 0) as buyers,
    coalesce(grouped.one_time_buyers, 0) as one_time_buyers,
    grouped.avg_p_alive,
    grouped.avg_p_alive_repeat_buyers,
    grouped.expected_occasions_365d,
    grouped.clv_12m::decimal(18, 2) as clv_12m,
    money_ratio(grouped.clv_12m, 1, grouped.buyers) as clv_12m_per_buyer,
    grouped.clv_12m::float8 / nullif(sum(grouped.clv_12m) over (partition by labels.dimension), 0) as clv_share
  from labels
  left join grouped on grouped.dimension = labels.dimension and grouped.group_key = labels.group_key
)

select * from final
