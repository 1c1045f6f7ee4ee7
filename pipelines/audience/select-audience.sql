-- The audience of a campaign, the "precise marketing" rules of the course notes: members who
-- match every filter that is set (an unset filter, NULL, lets everyone through), joined back to
-- their buyer ids and phones (the one place that happens), with a random, recorded control group.
-- Filters, as DuckDB variables: audience_segments, audience_stages, audience_levels (lists),
-- audience_tiers (integer list), audience_due_level ('product' or 'category') and audience_due_item
-- with audience_due_low/high (last purchase of the product or category between low and high times
-- its repurchase cycle ago), audience_exclude_days (no
-- purchase within that many days), audience_price with audience_min_value_ratio (usual order
-- value at least that share of the promoted price), audience_p_alive_low/high (P(alive) of the
-- BG/NBD forecast between them, inclusive), audience_clv_deciles (integer list; decile 1 = the
-- highest 12-month CLV; members without a forecast match neither), audience_control_fraction and
-- audience_seed.
with

member_facts as (select * from marts.member_facts),

member_rfm as (select * from marts.member_rfm),

member_forecast as (select * from marts.member_forecast),

member_contacts as (select * from staging.stg_member_contacts),

product_purchases as (select * from intermediate.int_product_purchases_dated),

repurchase_cycles as (select * from marts.product_repurchase_cycle),

as_of as (select * from intermediate.int_as_of_date_resolved),

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
    member_facts.recency_days
  from member_facts
  inner join member_contacts on member_contacts.member_id = member_facts.member_id
  left join member_rfm on member_rfm.member_id = member_facts.member_id
  left join member_forecast on member_forecast.member_id = member_facts.member_id
  where (getvariable('audience_segments') is null or list_contains(getvariable('audience_segments'), member_rfm.segment))
    and (getvariable('audience_stages') is null or list_contains(getvariable('audience_stages'), member_facts.lifecycle_stage))
    and (getvariable('audience_levels') is null or list_contains(getvariable('audience_levels'), member_facts.member_level))
    and (getvariable('audience_tiers') is null or list_contains(getvariable('audience_tiers'), member_facts.city_tier))
    and (getvariable('audience_due_item') is null or member_facts.member_id in (select member_id from due_members))
    and (getvariable('audience_exclude_days') is null or member_facts.recency_days is null or member_facts.recency_days > getvariable('audience_exclude_days'))
    and (getvariable('audience_price') is null or member_facts.aov >= getvariable('audience_min_value_ratio') * getvariable('audience_price'))
    and (getvariable('audience_p_alive_low') is null or member_forecast.p_alive between getvariable('audience_p_alive_low') and getvariable('audience_p_alive_high'))
    and (getvariable('audience_clv_deciles') is null or list_contains(getvariable('audience_clv_deciles'), member_forecast.clv_decile))
),

final as (
  select
    getvariable('audience_campaign_id') as campaign_id,
    buyer_id as member_id,
    getvariable('audience_send_at') as contacted_at,
    case
      when hash(concat_ws('|', getvariable('audience_seed'), getvariable('audience_campaign_id'), member_id)) / 18446744073709551616.0 < getvariable('audience_control_fraction')
        then 'control'
      else 'treatment'
    end as arm,
    phone,
    segment,
    lifecycle_stage,
    member_level,
    city_tier
  from candidates
)

select * from final order by member_id
