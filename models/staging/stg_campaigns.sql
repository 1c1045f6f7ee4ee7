-- One row per campaign in its latest known form; the attribution window defaults to the
-- attribution_days parameter. coupon_code is the campaign's own coupon, trimmed (an empty one is
-- NULL: the campaign has no coupon and so no coupon cost).
-- grain: campaign_id
-- materialized: table
-- tests: not_null(sent_at, cost_per_contact, attribution_days); accepted_values(channel, 'sms', 'edm', 'coupon', 'wangwang', 'push')
with

campaigns as (select * from raw.campaigns),

ranked as (
  select
    *,
    row_number() over (partition by campaign_id order by _file_id desc nulls last, _line desc nulls last) as latest_rank
  from campaigns
),

latest as (
  select campaign_id, name, channel, sent_at, cost_per_contact, coupon_value, coupon_code, attribution_days
  from ranked
  where latest_rank = 1
),

final as (
  select
    campaign_id,
    name,
    lower(trim(channel)) as channel,
    sent_at,
    cost_per_contact, -- per delivered message
    coalesce(coupon_value, 0) as coupon_value,
    nullif(trim(coupon_code), '') as coupon_code,
    coalesce(attribution_days, getvariable('attribution_days')) as attribution_days
  from latest
)

select * from final
