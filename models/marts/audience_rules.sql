-- One row per standing audience of models/audiences/ (营销自动化, marketing automation), with the
-- campaign it exports after the refresh that published this build: campaign id <rule>-<as-of
-- date>, sent the day after the as-of date at audience_rules_send_time (shop time). The rule never
-- selects a member again within cap_days of selecting it (in either arm, with the rule_cap guard);
-- guards lists those its export applies, comma separated. A build as of a chosen date (the as_of_date parameter
-- set, an analysis of the past) has runs false and exports nothing, so that no campaign is sent
-- and recorded for a past day. channel_label labels the channel (seeds/code_labels.csv); filters
-- names the model that selects the members, filters_label says who they are in words (its
-- description, Chinese then English).
-- grain: rule
-- tests: not_null(name, channel, control_fraction, cap_days, cost_per_contact, filters, campaign_id, send_at, runs); accepted_range(control_fraction, 0, 0.9); accepted_range(cap_days, 1, 3650)
with

headers as (select * from intermediate.int_audience_headers),

as_of as (select * from intermediate.int_as_of_date_resolved),

code_labels as (select * from intermediate.int_code_labels),

final as (
  select
    headers.audience as rule,
    headers.name,
    headers.channel,
    coalesce(channel_labels.label, headers.channel) as channel_label,
    headers.control_fraction,
    headers.cap_days,
    headers.cost_per_contact,
    headers.coupon_code,
    coalesce(headers.coupon_value, 0) as coupon_value,
    headers.guards,
    'audiences.' || headers.audience as filters,
    coalesce(nullif(headers.description, ''), '全部会员 all members') as filters_label,
    as_of.as_of_date,
    headers.audience || '-' || strftime(as_of.as_of_date, '%Y-%m-%d') as campaign_id,
    as_of.as_of_date + 1 + getvariable('audience_rules_send_time') as send_at,
    getvariable('as_of_date') is null as runs
  from headers
  cross join as_of
  left join code_labels as channel_labels on channel_labels.code_set = 'channel' and channel_labels.code = headers.channel
)

select * from final
