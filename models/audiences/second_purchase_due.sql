-- 新客：首购后 40–55 天，二购到期之前 · New buyers 40 to 55 days after their first purchase, before
-- their second is due (the sample shop's cycle is 66 days: set the days from your shop's own cycle).
-- grain: member_id
-- label: 新客二购提醒 New buyers before their second purchase is due
-- channel: sms
-- control: 0.1
-- cap_days: 30
-- cost_per_contact: 0.04
-- guards: opted_out, rule_cap, frequency_cap
with

member_facts as (select * from marts.member_facts),

final as (
  select member_id
  from member_facts
  where lifecycle_stage = 'new'
    and recency_days between 40 and 55
)

select * from final
