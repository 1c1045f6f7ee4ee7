-- The audience of a campaign, the "precise marketing" rules of the course notes: members who
-- match every filter that is set (an unset filter, NULL, lets everyone through), joined back to
-- their buyer ids and phones (the one place that happens); then the guards, which leave members
-- out and say which one did (removed_by, in this order: opted_out, rule_cap, frequency_cap,
-- in_cycle); then a random, recorded control group drawn among the members the guards kept (arm;
-- NULL for a member left out).
-- Filters, as DuckDB variables: audience_segments, audience_stages, audience_levels,
-- audience_provinces (lists; provinces compare without a final 省 or 市, so that 浙江 matches
-- 浙江省), audience_tiers (integer list), audience_due_level ('product' or 'category') and
-- audience_due_item with audience_due_low/high (last purchase of the product or category between
-- low and high times its repurchase cycle ago), audience_bought_level and audience_bought_item
-- (bought it; NULL: anything) with audience_bought_from/to (dates, inclusive: bought it between
-- them), audience_min/max_days_since_purchase (days since the last purchase, inclusive; members
-- without a purchase match neither), audience_exclude_days (no purchase within that many days),
-- audience_promoted_product with audience_exclude_promoted_days (did not buy the promoted product
-- within that many days), audience_price with audience_min_value_ratio (usual order value at least
-- that share of the promoted price), audience_p_alive_low/high (P(alive) of the p_alive_model fit,
-- between them, inclusive), audience_clv_deciles (integer list; decile 1 = the highest 12-month
-- CLV; members without a forecast match neither). Days are counted to the as-of date.
-- Guards: opted_out (opt-outs, staging.stg_opt_outs: opted out of audience_channel, or of every channel, at
-- or before the send time; without a channel, any opt-out); rule_cap (with audience_rule: selected,
-- in either arm, by an earlier export of the same rule less than audience_rule_cap_days before the
-- send time); frequency_cap (already contact_cap_contacts delivered treatment contacts of other
-- campaigns in the contact_cap_days up to the send time, staging.stg_campaign_contacts; the
-- parameters empty: no cap); in_cycle (a discount campaign, audience_discount or a coupon worth
-- audience_coupon_value > 0, and days since the last purchase < in_cycle_share x the shop cycle,
-- unless audience_include_in_cycle). Then audience_control_fraction and audience_seed.
with

member_facts as (select * from marts.member_facts),

member_rfm as (select * from marts.member_rfm),

member_forecast as (select * from marts.member_forecast),

member_contacts as (select * from staging.stg_member_contacts),

-- staging.stg_campaign_contacts and staging.stg_opt_outs as loaded so far (their own queries, as
-- temp views of the export's session), not as of the last build.
campaign_contacts as (select * from audience_campaign_contacts),

opt_outs as (select * from audience_opt_outs),

product_purchases as (select * from intermediate.int_product_purchases_dated),

repurchase_cycles as (select * from marts.product_repurchase_cycle),

as_of as (select * from intermediate.int_as_of_date_resolved),

exports as (select * from ops.exports),

due_members as (
  select product_purchases.member_id
  from product_purchases
  inner join repurchase_cycles
    on repurchase_cycles.level = getvariable('audience_due_level')
   and repurchase_cycles.item_key = getvariable('audience_due_item')
  cross join as_of
  where getvariable('audience_due_item') = case getvariable('audience_due_level') when 'product' then product_purchases.product_id else product_purchases.category end
  group by product_purchases.member_id, repurchase_cycles.median_cycle_days, as_of.as_of_date
  having as_of.as_of_date - max(product_purchases.purchase_date)
    between getvariable('audience_due_low') * repurchase_cycles.median_cycle_days and getvariable('audience_due_high') * repurchase_cycles.median_cycle_days
),

bought_members as (
  select distinct member_id
  from product_purchases
  where (getvariable('audience_bought_item') is null
      or getvariable('audience_bought_item') = case getvariable('audience_bought_level') when 'product' then product_id else category end)
    and (getvariable('audience_bought_from') is null or purchase_date >= getvariable('audience_bought_from'))
    and (getvariable('audience_bought_to') is null or purchase_date <= getvariable('audience_bought_to'))
),

promoted_buyers as (
  select distinct product_purchases.member_id
  from product_purchases
  cross join as_of
  where product_purchases.product_id = getvariable('audience_promoted_product')
    and as_of.as_of_date - product_purchases.purchase_date <= getvariable('audience_exclude_promoted_days')
),

candidates as (
  select
    member_facts.member_id,
    member_contacts.buyer_id,
    member_contacts.phone,
    member_rfm.segment,
    member_facts.lifecycle_stage,
    member_facts.member_level,
    member_facts.city_tier,
    member_facts.aov,
    member_facts.recency_days,
    member_facts.shop_cycle_days
  from member_facts
  inner join member_contacts on member_contacts.member_id = member_facts.member_id
  left join member_rfm on member_rfm.member_id = member_facts.member_id
  left join member_forecast on member_forecast.member_id = member_facts.member_id
  where (getvariable('audience_segments') is null or list_contains(getvariable('audience_segments'), member_rfm.segment))
    and (getvariable('audience_stages') is null or list_contains(getvariable('audience_stages'), member_facts.lifecycle_stage))
    and (getvariable('audience_levels') is null or list_contains(getvariable('audience_levels'), member_facts.member_level))
    and (getvariable('audience_tiers') is null or list_contains(getvariable('audience_tiers'), member_facts.city_tier))
    and (getvariable('audience_provinces') is null
      or list_contains([regexp_replace(given, '[省市]$', '') for given in getvariable('audience_provinces')], regexp_replace(member_facts.province, '[省市]$', '')))
    and (getvariable('audience_due_item') is null or member_facts.member_id in (select member_id from due_members))
    and (getvariable('audience_bought_item') is null and getvariable('audience_bought_from') is null and getvariable('audience_bought_to') is null
      or member_facts.member_id in (select member_id from bought_members))
    and (getvariable('audience_min_days_since_purchase') is null or member_facts.recency_days >= getvariable('audience_min_days_since_purchase'))
    and (getvariable('audience_max_days_since_purchase') is null or member_facts.recency_days <= getvariable('audience_max_days_since_purchase'))
    and (getvariable('audience_exclude_days') is null or member_facts.recency_days is null or member_facts.recency_days > getvariable('audience_exclude_days'))
    and (getvariable('audience_promoted_product') is null or member_facts.member_id not in (select member_id from promoted_buyers))
    and (getvariable('audience_price') is null or member_facts.aov >= getvariable('audience_min_value_ratio') * getvariable('audience_price'))
    and (getvariable('audience_p_alive_low') is null or member_forecast.p_alive between getvariable('audience_p_alive_low') and getvariable('audience_p_alive_high'))
    and (getvariable('audience_clv_deciles') is null or list_contains(getvariable('audience_clv_deciles'), member_forecast.clv_decile))
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
      when candidates.member_id in (select member_id from opted_out_members) then 'opted_out'
      when candidates.member_id in (select member_id from rule_members) then 'rule_cap'
      when recent_contacts.contacts >= getvariable('contact_cap_contacts') then 'frequency_cap'
      when (getvariable('audience_discount') or coalesce(getvariable('audience_coupon_value'), 0) > 0)
        and not getvariable('audience_include_in_cycle')
        and candidates.recency_days < getvariable('in_cycle_share') * candidates.shop_cycle_days
        then 'in_cycle'
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
