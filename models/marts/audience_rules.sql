-- One row per marketing-automation rule of seeds/audience_rules.csv (营销自动化), with the campaign
-- it exports after the refresh that published this build: campaign id <rule>-<as-of date>, sent the
-- day after the as-of date at audience_rules_send_time (shop time). filters holds the audience
-- command's own flags; the rule never selects a member again within cap_days of selecting it (in
-- either arm). A coupon worth more than 0 makes it a discount campaign (the in-cycle guard applies).
-- A build as of a chosen date (the as_of_date parameter set, an analysis of the past) has runs
-- false and exports nothing, so that no campaign is sent and recorded for a past day.
-- grain: rule
-- tests: not_null(name, channel, control_fraction, cap_days, cost_per_contact, filters, campaign_id, send_at, runs); accepted_values(channel, 'sms', 'edm', 'coupon', 'wangwang', 'push'); accepted_range(control_fraction, 0, 0.9); accepted_range(cap_days, 1, 3650)
with

rules as (select * from seeds.audience_rules),

as_of as (select * from intermediate.int_as_of_date_resolved),

final as (
  select
    rules.rule,
    rules.name,
    lower(trim(rules.channel)) as channel,
    rules.control_fraction,
    rules.cap_days,
    rules.cost_per_contact,
    nullif(trim(rules.coupon_code), '') as coupon_code,
    coalesce(rules.coupon_value, 0) as coupon_value,
    trim(rules.filters) as filters,
    as_of.as_of_date,
    rules.rule || '-' || strftime(as_of.as_of_date, '%Y-%m-%d') as campaign_id,
    as_of.as_of_date + 1 + getvariable('audience_rules_send_time') as send_at,
    getvariable('as_of_date') is null as runs
  from rules
  cross join as_of
)

select * from final
