-- The members as the audience command's filters see them, one row each: each filter's condition
-- (audience-filters.ts) is over these columns, and may read the warehouse's relations by name.
-- Every column of marts.member_facts, the RFM segment and scores, and the forecast: p_alive and the
-- CLV are NULL for a member without a forecast, recency_days for one without a purchase, and such
-- a member matches no condition on them.
with

member_facts as (select * from marts.member_facts),

member_rfm as (select * from marts.member_rfm),

member_forecast as (select * from marts.member_forecast),

final as (
  select
    member_facts.*,
    member_rfm.segment,
    member_rfm.r_score,
    member_rfm.f_score,
    member_rfm.m_score,
    member_forecast.p_alive,
    member_forecast.expected_occasions_90d,
    member_forecast.clv_12m,
    member_forecast.clv_decile
  from member_facts
  left join member_rfm on member_rfm.member_id = member_facts.member_id
  left join member_forecast on member_forecast.member_id = member_facts.member_id
)

select * from final
