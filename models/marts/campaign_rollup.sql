-- Campaigns rolled up by channel and by month sent: campaigns, contacts selected (treatment),
-- delivered contacts, cost, treatment responders, attributed revenue, and the naive ROI over
-- them; incremental revenue and the incremental ROI over the campaigns that have one (a control
-- group and a complete window), with those campaigns' cost. Both ROIs as in marts.campaign_roi:
-- ¥ revenue per ¥1 spent (roi_unit), naive = attributed revenue / cost, incremental = incremental
-- revenue / cost; roi_unit and break_even_roi are campaign_roi's. dimension_label and rollup_label
-- label them (seeds/code_labels.csv: the channel's label; a month is its own).
-- grain: dimension, rollup_key
-- tests: accepted_values(dimension, 'channel', 'month'); not_null(campaigns, cost, attributed_revenue)
with

campaign_roi as (select * from marts.campaign_roi),

code_labels as (select * from intermediate.int_code_labels where code_set = 'rollup_dimension'),

keyed as (
  select 'channel' as dimension, channel as rollup_key, channel_label as rollup_label, * from campaign_roi
  union all
  select 'month' as dimension, strftime(sent_at, '%Y-%m') as rollup_key, strftime(sent_at, '%Y-%m') as rollup_label, * from campaign_roi
),

totals as (
  select
    dimension,
    rollup_key,
    any_value(rollup_label) as rollup_label,
    any_value(roi_unit) as roi_unit,
    any_value(break_even_roi) as break_even_roi,
    count(*) as campaigns,
    sum(treatment_size) as contacts,
    sum(delivered_contacts) as delivered_contacts,
    sum(cost) as cost,
    sum(responders_t) as responders,
    sum(attributed_revenue) as attributed_revenue,
    count(incremental_revenue) as measured_campaigns,
    sum(incremental_revenue) as incremental_revenue,
    sum(cost) filter (where incremental_revenue is not null) as measured_cost
  from keyed
  group by dimension, rollup_key
),

final as (
  select
    totals.dimension,
    coalesce(code_labels.label, totals.dimension) as dimension_label,
    totals.rollup_key,
    totals.rollup_label,
    campaigns,
    contacts,
    delivered_contacts,
    cost::decimal(18, 2) as cost,
    responders,
    attributed_revenue::decimal(18, 2) as attributed_revenue,
    roi_unit,
    break_even_roi,
    attributed_revenue::float8 / nullif(cost, 0) as naive_roi,
    measured_campaigns,
    incremental_revenue::decimal(18, 2) as incremental_revenue,
    incremental_revenue::float8 / nullif(measured_cost, 0) as incremental_roi
  from totals
  left join code_labels on code_labels.code = totals.dimension
)

select * from final
