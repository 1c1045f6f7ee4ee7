-- 活跃老客：距上次购买 53–66 天，周期将到，送 ¥10 券 · Habitual (active) buyers 53 to 66 days after
-- their last purchase, as their cycle comes round, with a ¥10 coupon (none inside their cycle).
-- grain: member_id
-- label: 老客周期提醒 Habitual buyers when their cycle comes round
-- channel: sms
-- control: 0.1
-- cap_days: 60
-- cost_per_contact: 0.04
-- coupon_code: CYCLE10
-- coupon_value: 10
-- guards: opted_out, rule_cap, frequency_cap, in_cycle
with

member_facts as (select * from marts.member_facts),

final as (
  select member_id
  from member_facts
  where lifecycle_stage = 'active'
    and recency_days between 53 and 66
)

select * from final
