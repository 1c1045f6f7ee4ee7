-- 邀评：昨天（截止日）签收、尚未评价的订单 · Members with an order signed for on the as-of date (the
-- day before the message: "yesterday") that is still a purchase and has no review by then, invited
-- to review it. Nobody in a shop without a shipments file.
-- grain: member_id
-- label: 签收邀评 Review invitation, parcel signed for
-- channel: wangwang
-- control: 0.1
-- cap_days: 14
-- cost_per_contact: 0.01
-- guards: opted_out, rule_cap, frequency_cap
with

shipments as (select * from intermediate.int_shipments_tracked),

as_of as (select * from intermediate.int_as_of_date_resolved),

final as (
  select distinct shipments.member_id
  from shipments
  inner join as_of on shipments.signed_at::date = as_of.as_of_date
  where shipments.first_rated_at is null or shipments.first_rated_at::date > as_of.as_of_date
)

select * from final
