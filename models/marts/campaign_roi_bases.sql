-- Each campaign's two ROIs as rows, for the Campaigns page's chart: naive (attributed revenue /
-- cost) and incremental, the latter only where the lift is significant (NULL otherwise, so that no
-- bar is drawn for a lift that may be chance), from marts.campaign_roi. roi_basis_label
-- (中文 English) is code set roi_basis of seeds/code_labels.csv.
-- grain: campaign_id, roi_basis
-- tests: accepted_values(roi_basis, 'naive', 'incremental'); not_null(roi_basis_label, name, sent_at)
with

campaign_roi as (select * from marts.campaign_roi),

code_labels as (select * from intermediate.int_code_labels where code_set = 'roi_basis'),

bases as (
  select campaign_id, sent_at, name, 'naive' as roi_basis, naive_roi as roi from campaign_roi
  union all
  select campaign_id, sent_at, name, 'incremental' as roi_basis, incremental_roi_if_significant as roi from campaign_roi
),

final as (
  select bases.campaign_id, bases.sent_at, bases.name, bases.roi_basis, code_labels.label as roi_basis_label, code_labels.code_order as roi_basis_order, bases.roi
  from bases
  left join code_labels on code_labels.code = bases.roi_basis
)

select * from final
