-- Each campaign contact with the member's lifecycle stage and RFM segment at sending time,
-- computed from purchases before it as member_facts and member_rfm compute them as of the
-- as-of date: the RFM population is every member with a purchase in the lookback before sending.
-- Members without one are 'unscored'.
-- grain: campaign_id, member_id
-- tests: not_null(lifecycle_stage, rfm_segment)
with

contacts as (select * from staging.stg_campaign_contacts),

campaigns as (select * from staging.stg_campaigns),

occasions as (select * from intermediate.int_purchase_occasions),

shop_cycle as (select * from intermediate.int_shop_cycle_measured),

segment_labels as (select * from seeds.segment_labels),

history_at_contact as (
  select
    contacts.campaign_id,
    contacts.member_id,
    count(occasions.occasion_number) as occasions_before,
    contacts.contacted_at::date - max(occasions.occasion_date) as recency_days
  from contacts
  left join occasions on occasions.member_id = contacts.member_id and occasions.occasion_at < contacts.contacted_at
  group by contacts.campaign_id, contacts.member_id, contacts.contacted_at
),

rfm_at_send as (
  select
    campaigns.campaign_id,
    occasions.member_id,
    campaigns.sent_at::date - max(occasions.occasion_date) as recency_days,
    count(*) as frequency,
    sum(occasions.revenue) as monetary
  from campaigns
  inner join occasions
    on occasions.occasion_at < campaigns.sent_at
   and occasions.occasion_date > campaigns.sent_at::date - getvariable('rfm_lookback_days')
  group by campaigns.campaign_id, campaigns.sent_at, occasions.member_id
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
),

final as (
  select
    history_at_contact.campaign_id,
    history_at_contact.member_id,
    lifecycle_stage(history_at_contact.occasions_before, history_at_contact.recency_days, shop_cycle.shop_cycle_days) as lifecycle_stage,
    coalesce(segmented.segment, 'unscored') as rfm_segment
  from history_at_contact
  cross join shop_cycle
  left join segmented on segmented.campaign_id = history_at_contact.campaign_id and segmented.member_id = history_at_contact.member_id
)

select * from final
