-- 好评关怀：昨天（截止日）给出好评的会员 · Members who left a good review on the as-of date (the day
-- before the message: "yesterday"), thanked for it. Nobody in a shop without a reviews file.
-- grain: member_id
-- label: 好评关怀 Thank you for the good review
-- channel: wangwang
-- control: 0.1
-- cap_days: 30
-- cost_per_contact: 0.01
-- guards: opted_out, rule_cap, frequency_cap
with

reviews as (select * from intermediate.int_reviews_attributed),

as_of as (select * from intermediate.int_as_of_date_resolved),

final as (
  select distinct reviews.member_id
  from reviews
  inner join as_of on reviews.rated_at::date = as_of.as_of_date
  where reviews.rating = 'good' and reviews.member_id is not null
)

select * from final
