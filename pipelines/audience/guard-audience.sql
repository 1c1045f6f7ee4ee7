-- The audience of a campaign: the members of audience_matched (a standing audience model's, or
-- those the audience command's filters select), joined back to their buyer ids and phones (the
-- one place that happens); then the guards of audience_guards, which leave members out and say
-- which one did (removed_by, in this order: opted_out, rule_cap, frequency_cap, in_cycle); then a
-- random, recorded control group drawn among the members the guards kept (arm; NULL for a member
-- left out).
-- Guards: opted_out (opt-outs, staging.stg_opt_outs: opted out of audience_channel, or of every channel, at
-- or before the send time; without a channel, any opt-out); rule_cap (with audience_rule: selected,
-- in either arm, by an earlier export of the same rule less than audience_rule_cap_days before the
-- send time); frequency_cap (already contact_cap_contacts delivered treatment contacts of other
-- campaigns in the contact_cap_days up to the send time, staging.stg_campaign_contacts; the
-- parameters empty: no cap); in_cycle (days since the last purchase < in_cycle_share x the shop
-- cycle). Then audience_control_fraction and audience_seed.
with

matched as (select * from audience_matched),

member_facts as (select * from marts.member_facts),

member_rfm as (select * from marts.member_rfm),

member_contacts as (select * from staging.stg_member_contacts),

-- staging.stg_campaign_contacts and staging.stg_opt_outs as loaded so far (their own queries, as
-- temp views of the export's session), not as of the last build.
campaign_contacts as (select * from audience_campaign_contacts),

opt_outs as (select * from audience_opt_outs),

exports as (select * from ops.exports),

candidates as (
  select
    member_facts.member_id,
    member_contacts.buyer_id,
    member_contacts.phone,
    member_rfm.segment,
    member_facts.lifecycle_stage,
    member_facts.member_level,
    member_facts.city_tier,
    member_facts.recency_days,
    member_facts.shop_cycle_days
  from matched
  inner join member_facts on member_facts.member_id = matched.member_id
  inner join member_contacts on member_contacts.member_id = member_facts.member_id
  left join member_rfm on member_rfm.member_id = member_facts.member_id
),

opted_out_members as (
  select distinct member_id
  from opt_outs
  where (opt_outs.channel = 'all' or getvariable('audience_channel') is null or opt_outs.channel = getvariable('audience_channel'))
    and (opt_outs.opted_out_at is null or opt_outs.opted_out_at <= getvariable('audience_send_at'))
),

rule_members as (
  select distinct campaign_contacts.member_id
  from campaign_contacts
  inner join exports on exports.campaign_id = campaign_contacts.campaign_id
  where exports.rule = getvariable('audience_rule')
    and exports.status = 'exported'
    and campaign_contacts.campaign_id <> getvariable('audience_campaign_id')
    and campaign_contacts.contacted_at > getvariable('audience_send_at') - to_days(getvariable('audience_rule_cap_days'))
    and campaign_contacts.contacted_at <= getvariable('audience_send_at')
),

recent_contacts as (
  select member_id, count(*) as contacts
  from campaign_contacts
  where arm = 'treatment'
    and delivered
    and campaign_id <> getvariable('audience_campaign_id')
    and contacted_at > getvariable('audience_send_at') - to_days(getvariable('contact_cap_days'))
    and contacted_at <= getvariable('audience_send_at')
  group by member_id
),

guarded as (
  select
    candidates.*,
    case
      when list_contains(getvariable('audience_guards'), 'opted_out')
        and candidates.member_id in (select member_id from opted_out_members) then 'opted_out'
      when list_contains(getvariable('audience_guards'), 'rule_cap')
        and candidates.member_id in (select member_id from rule_members) then 'rule_cap'
      when list_contains(getvariable('audience_guards'), 'frequency_cap')
        and recent_contacts.contacts >= getvariable('contact_cap_contacts') then 'frequency_cap'
      when list_contains(getvariable('audience_guards'), 'in_cycle')
        and candidates.recency_days < getvariable('in_cycle_share') * candidates.shop_cycle_days then 'in_cycle'
    end as removed_by
  from candidates
  left join recent_contacts on recent_contacts.member_id = candidates.member_id
),

final as (
  select
    getvariable('audience_campaign_id') as campaign_id,
    buyer_id as member_id,
    getvariable('audience_send_at') as contacted_at,
    case
      when removed_by is not null then null
      when hash(concat_ws('|', getvariable('audience_seed'), getvariable('audience_campaign_id'), guarded.member_id)) / 18446744073709551616.0 < getvariable('audience_control_fraction')
        then 'control'
      else 'treatment'
    end as arm,
    removed_by,
    phone,
    segment,
    lifecycle_stage,
    member_level,
    city_tier
  from guarded
)

select * from final order by member_id
