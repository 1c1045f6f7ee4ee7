-- The files of an export, over the selection of guard-audience.sql (audience_selection): the
-- channel file holds the treatment arm only, with phones, for the channel's tool; the control file
-- the control arm, without phones, to load back as contacts; the campaign file its campaigns row
-- (attribution_days empty: the default). audience_summary says what became of the members: how
-- many matched the filters, how many each guard removed in the order they apply, how many went to
-- the control file, and rows = the members of both files.
create or replace temp view audience_channel_file as
select campaign_id, member_id, contacted_at, arm, phone, segment, lifecycle_stage, member_level, city_tier
from audience_selection
where arm = 'treatment'
order by member_id;

create or replace temp view audience_control_file as
select campaign_id, member_id, contacted_at, arm
from audience_selection
where arm = 'control'
order by member_id;

create or replace temp view audience_campaign_file as
select
  getvariable('audience_campaign_id') as campaign_id,
  getvariable('audience_campaign_name') as name,
  getvariable('audience_channel') as channel,
  getvariable('audience_send_at') as sent_at,
  getvariable('audience_cost_per_contact') as cost_per_contact,
  getvariable('audience_coupon_value') as coupon_value,
  getvariable('audience_coupon_code') as coupon_code;

create or replace temp view audience_summary as
select
  count(*) as matched,
  count(arm) as rows,
  count(*) filter (where arm = 'control') as control_rows,
  json_object(
    'opted_out', count(*) filter (where removed_by = 'opted_out'),
    'rule_cap', count(*) filter (where removed_by = 'rule_cap'),
    'frequency_cap', count(*) filter (where removed_by = 'frequency_cap'),
    'in_cycle', count(*) filter (where removed_by = 'in_cycle'),
    'control_arm_split', count(*) filter (where arm = 'control')
  )::varchar as guards
from audience_selection;

-- The smallest lift the export's two arms can show (minimum_detectable_lift, models/macros.sql:
-- 95% two-sided, 80% power) at the expected response rate: audience_expected_response when given,
-- else the control response rate of the campaigns measured so far (a control group and a complete
-- window) taken together, their control responders over their control members: a median of small
-- arms is often 0. None when that is 0 too. NULL without a rate or without a control arm.
create or replace temp view audience_detectable_lift as
with
measured as (
  select sum(responders_c) / sum(control_size) as response_rate, count(*)::integer as campaigns
  from marts.campaign_roi
  where lift is not null
),
arms as (
  select
    count(*) filter (where arm = 'treatment')::integer as treatment_rows,
    count(*) filter (where arm = 'control')::integer as control_rows
  from audience_selection
),
expected as (
  select
    coalesce(getvariable('audience_expected_response'), nullif(measured.response_rate, 0)) as response_rate,
    case when getvariable('audience_expected_response') is null then measured.campaigns end as measured_campaigns
  from measured
)
select arms.*, expected.*, minimum_detectable_lift(expected.response_rate, arms.treatment_rows, arms.control_rows) as detectable_lift
from arms
cross join expected;
