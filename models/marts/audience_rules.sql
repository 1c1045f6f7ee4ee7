-- One row per marketing-automation rule of seeds/audience_rules.csv (营销自动化), with the campaign
-- it exports after the refresh that published this build: campaign id <rule>-<as-of date>, sent the
-- day after the as-of date at audience_rules_send_time (shop time). filters holds the audience
-- command's own flags; the rule never selects a member again within cap_days of selecting it (in
-- either arm). A coupon worth more than 0 makes it a discount campaign (the in-cycle guard applies).
-- A build as of a chosen date (the as_of_date parameter set, an analysis of the past) has runs
-- false and exports nothing, so that no campaign is sent and recorded for a past day.
-- channel_label labels the channel (seeds/code_labels.csv); filters_label says the filters in words,
-- Chinese then English: each flag's phrase of seeds/audience_filter_labels.csv with its value, a
-- listed code (a stage, segment, level or category) by its label, in the order written; a flag
-- without a phrase shows as written, and --no-<flag> (the default) is left out.
-- grain: rule
-- tests: not_null(name, channel, control_fraction, cap_days, cost_per_contact, filters, campaign_id, send_at, runs); accepted_values(channel, 'sms', 'edm', 'coupon', 'wangwang', 'push'); accepted_range(control_fraction, 0, 0.9); accepted_range(cap_days, 1, 3650)
with

rules as (select * from seeds.audience_rules),

as_of as (select * from intermediate.int_as_of_date_resolved),

code_labels as (select * from intermediate.int_code_labels),

filter_labels as (select * from seeds.audience_filter_labels),

-- '--stage active --min-days-since-purchase 53' → (1, 'stage', 'active'), (2, 'min-days-since-purchase', '53')
flags as (
  select
    rule,
    part_number,
    regexp_extract(part, '^([a-z-]+)', 1) as flag,
    trim(regexp_replace(part, '^[a-z-]+[=\s]*', '')) as flag_value
  from (
    select rule, unnest(parts) as part, generate_subscripts(parts, 1) as part_number
    from (select rule, string_split_regex(' ' || trim(filters), '\s+--') as parts from rules)
  )
  where trim(part) <> '' and not starts_with(part, 'no-')
),

flag_values as (
  select
    flags.rule,
    flags.part_number,
    flags.flag,
    string_agg(coalesce(code_labels.label_zh, listed.code), '、' order by listed.position) as value_zh,
    string_agg(coalesce(code_labels.label_en, listed.code), ', ' order by listed.position) as value_en
  from flags
  left join filter_labels on filter_labels.flag = flags.flag
  left join (
    select rule, part_number, unnest(string_split(flag_value, ',')) as code, generate_subscripts(string_split(flag_value, ','), 1) as position
    from flags
  ) as listed on listed.rule = flags.rule and listed.part_number = flags.part_number
  left join code_labels on code_labels.code_set = filter_labels.value_code_set and code_labels.code = trim(listed.code)
  group by flags.rule, flags.part_number, flags.flag
),

phrases as (
  select
    flag_values.rule,
    flag_values.part_number,
    coalesce(replace(filter_labels.label_zh, '{value}', flag_values.value_zh), '--' || flag_values.flag || ' ' || flag_values.value_zh) as phrase_zh,
    coalesce(replace(filter_labels.label_en, '{value}', flag_values.value_en), '--' || flag_values.flag || ' ' || flag_values.value_en) as phrase_en
  from flag_values
  left join filter_labels on filter_labels.flag = flag_values.flag
),

described_filters as (
  select
    rule,
    string_agg(phrase_zh, '；' order by part_number) || ' · ' || string_agg(phrase_en, '; ' order by part_number) as filters_label
  from phrases
  group by rule
),

final as (
  select
    rules.rule,
    rules.name,
    lower(trim(rules.channel)) as channel,
    coalesce(channel_labels.label, lower(trim(rules.channel))) as channel_label,
    rules.control_fraction,
    rules.cap_days,
    rules.cost_per_contact,
    nullif(trim(rules.coupon_code), '') as coupon_code,
    coalesce(rules.coupon_value, 0) as coupon_value,
    trim(rules.filters) as filters,
    coalesce(described_filters.filters_label, '全部会员 all members') as filters_label,
    as_of.as_of_date,
    rules.rule || '-' || strftime(as_of.as_of_date, '%Y-%m-%d') as campaign_id,
    as_of.as_of_date + 1 + getvariable('audience_rules_send_time') as send_at,
    getvariable('as_of_date') is null as runs
  from rules
  cross join as_of
  left join code_labels as channel_labels on channel_labels.code_set = 'channel' and channel_labels.code = lower(trim(rules.channel))
  left join described_filters on described_filters.rule = rules.rule
)

select * from final
