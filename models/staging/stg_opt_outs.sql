-- One row per member and channel the member unsubscribed from, keyed by the salted hash of the buyer
-- id, with the earliest time it did; channel 'all' for a row whose channel is empty (every
-- channel), and opted_out_at NULL for a row without a time (opted out since always). There is no
-- opting back in: a later row never undoes an earlier one. Audience exports leave these members
-- out of the channel's sends at and after that time.
-- grain: member_id, channel
-- materialized: table
-- tests: accepted_values(channel, 'all', 'sms', 'edm', 'coupon', 'wangwang', 'push')
with

opt_outs as (select * from raw.opt_outs),

keyed as (
  select
    member_key(member_id) as member_id,
    coalesce(nullif(lower(trim(channel)), ''), 'all') as channel,
    opted_out_at
  from opt_outs
),

final as (
  select
    member_id,
    channel,
    case when bool_or(opted_out_at is null) then null else min(opted_out_at) end as opted_out_at
  from keyed
  group by member_id, channel
)

select * from final
