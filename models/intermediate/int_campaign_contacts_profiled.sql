-- Each campaign contact with the member's lifecycle stage, RFM segment and member level at sending
-- time, from the member's purchases strictly before the contact time only (the RFM population:
-- before the campaign's sent_at), grouped into occasions by the occasion key of
-- int_purchases_keyed, so that a later purchase on the contact day (the response itself) never
-- counts. Stage as member_facts computes it as of a day: occasions before the contact, recency =
-- contact day - day of the last of them. RFM as member_rfm: every member with an occasion in the
-- rfm_lookback_days before the sending day is scored; members without one are 'not_scored'. Level
-- as member_facts: the member_level macro on the completed purchases with net value > 0 before the
-- contact (within level_window_days before it when that is set), by net revenue or by count.
-- grain: campaign_id, member_id
-- tests: not_null(lifecycle_stage, rfm_segment, member_level)
with

contacts as (select * from staging.stg_campaign_contacts),

campaigns as (select * from staging.stg_campaigns),

purchases as (select * from intermediate.int_purchases_before_last_send),

shop_cycle as (select * from intermediate.int_shop_cycle_measured),

segment_labels as (select * from seeds.segment_labels),

-- A purchase opens its occasion if it is the occasion's first. An occasion has a purchase before
-- a cut time exactly when its first purchase is before it, so counting the opening purchases
-- before the cut counts the occasions before it, in one aggregation rather than a grouping by
-- occasion first (51.8 million campaign × occasion groups at 10M members).
purchases_flagged as (
  select
    *,
    row_number() over (partition by member_id, occasion_key order by purchased_at, order_id) = 1 as opens_occasion
  from purchases
),

contact_purchases as (
  select
    contacts.campaign_id,
    contacts.member_id,
    contacts.contacted_at,
    purchases_flagged.purchased_at,
    purchases_flagged.net_amount,
    purchases_flagged.opens_occasion,
    purchases_flagged.status = 'completed' and purchases_flagged.net_amount > 0
      and (getvariable('level_window_days') is null or purchases_flagged.purchased_at::date > contacts.contacted_at::date - getvariable('level_window_days'))
      as counts_for_level
  from contacts
  left join purchases_flagged
    on purchases_flagged.member_id = contacts.member_id
   and purchases_flagged.purchased_at < contacts.contacted_at
),

history_at_contact as (
  select
    campaign_id,
    member_id,
    count(*) filter (where opens_occasion) as occasions_before,
    contacted_at::date - max(purchased_at)::date as recency_days,
    member_level(coalesce(sum(net_amount) filter (where counts_for_level), 0), count(*) filter (where counts_for_level)) as member_level
  from contact_purchases
  group by campaign_id, member_id, contacted_at
),

rfm_at_send as (
  select
    campaigns.campaign_id,
    purchases_flagged.member_id,
    campaigns.sent_at::date - max(purchases_flagged.purchased_at)::date as recency_days,
    count(*) filter (where purchases_flagged.opens_occasion) as frequency,
    sum(purchases_flagged.net_amount) as monetary
  from campaigns
  inner join purchases_flagged
    on purchases_flagged.purchased_at < campaigns.sent_at
   and purchases_flagged.purchased_at::date > campaigns.sent_at::date - getvariable('rfm_lookback_days')
  group by campaigns.campaign_id, campaigns.sent_at, purchases_flagged.member_id
),

population as (
  select
    campaign_id,
    rfm_threshold(recency_days) as recency_threshold,
    rfm_threshold(frequency) as frequency_threshold,
    rfm_threshold(monetary) as monetary_threshold
  from rfm_at_send
  group by campaign_id
),

segmented as (
  select
    rfm_at_send.campaign_id,
    rfm_at_send.member_id,
    segment_labels.segment
  from rfm_at_send
  inner join population on population.campaign_id = rfm_at_send.campaign_id
  inner join segment_labels
    on segment_labels.r_high = (rfm_at_send.recency_days < population.recency_threshold)
   and segment_labels.f_high = (rfm_at_send.frequency > population.frequency_threshold)
   and segment_labels.m_high = (rfm_at_send.monetary > population.monetary_threshold)
  -- Only the contacts' segments are read: the population sets the thresholds.
  where exists (
    select 1 from contacts
    where contacts.campaign_id = rfm_at_send.campaign_id and contacts.member_id = rfm_at_send.member_id
  )
),

final as (
  select
    history_at_contact.campaign_id,
    history_at_contact.member_id,
    lifecycle_stage(history_at_contact.occasions_before, history_at_contact.recency_days, shop_cycle.shop_cycle_days) as lifecycle_stage,
    coalesce(segmented.segment, 'not_scored') as rfm_segment,
    history_at_contact.member_level
  from history_at_contact
  cross join shop_cycle
  left join segmented on segmented.campaign_id = history_at_contact.campaign_id and segmented.member_id = history_at_contact.member_id
)

select * from final
