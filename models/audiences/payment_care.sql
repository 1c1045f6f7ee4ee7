-- 付款关怀：首购会员，付款在昨天（截止日） · First-time buyers whose first purchase was paid on the
-- as-of date: the day before the message goes out (the rules send the day after the as-of date), so
-- "yesterday" to the member. A thank-you, no coupon.
-- grain: member_id
-- label: 付款关怀 First-time buyers, thank you for the order
-- channel: wangwang
-- control: 0.1
-- cap_days: 30
-- cost_per_contact: 0.01
-- guards: opted_out, rule_cap, frequency_cap
with

first_purchases as (select * from intermediate.int_member_first_purchases),

as_of as (select * from intermediate.int_as_of_date_resolved),

final as (
  select first_purchases.member_id
  from first_purchases
  inner join as_of on first_purchases.first_date = as_of.as_of_date
)

select * from final
