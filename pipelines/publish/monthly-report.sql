-- The monthly report's figures, read from the published marts file: the last complete month of
-- marts.kpi_monthly (report_month, one row: the values outside any section of monthly-report.html)
-- and, for it alone, a view per section of the page,
-- every value already worded as the page shows it (the wording macros of models/macros.sql). The marts hold a row per complete month: every
-- view filters on the report month.

create or replace temp view report_month as
select
  month,
  strftime(month, '%Y-%m') as month_text,
  (select strftime(as_of_date, '%Y-%m-%d') from marts.data_freshness) as as_of_text,
  (select count(*) filter (where checked) from marts.kpi_alerts where kpi_alerts.month = last_complete.month) as metrics_checked
from (select max(month) as month from marts.kpi_monthly where month_complete) as last_complete
where month is not null;

create or replace temp view report_headline as
with
report_month as (select month from report_month),
compared as (select * from marts.kpi_month_compared where month = (select month from report_month)),
month_before as (select * from marts.revenue_change where comparison = 'month_before' and month = (select month from report_month)),
year_before as (select * from marts.revenue_change where comparison = 'year_before' and month = (select month from report_month)),
figures as (
  select figures.*
  from report_month
  left join compared on true
  left join month_before on true
  left join year_before on true
  cross join lateral (
    values
      (1, '成交人数', 'Buyers', 'count', compared.buyers::double, compared.buyers_change, year_before.buyers_change),
      (2, '销售额', 'Revenue', 'yuan', compared.revenue::double, compared.revenue_change, year_before.revenue_change),
      (3, '客单价', 'Revenue per buyer', 'yuan', compared.revenue_per_buyer::double, compared.revenue_per_buyer_change, null),
      (4, '笔单价', 'AOV (per order)', 'yuan', compared.aov::double, compared.aov_change, null),
      (5, '月内复购率', 'Bought twice within the month', 'share', compared.repurchase_rate::double, compared.repurchase_rate_change, year_before.repurchase_rate_change),
      (6, '新会员', 'New members', 'count', month_before.new_members::double, month_before.new_members_change, year_before.new_members_change)
  ) as figures (position, label_zh, label_en, unit, value, month_change, year_change)
)
select
  label_zh,
  label_en,
  figure_text(value, unit) as value_text,
  change_text(month_change, unit) as month_change_text,
  change_text(year_change, unit) as year_change_text
from figures
order by position;

-- The sentence of each comparison, 环比 first.
create or replace temp view report_sentences as
select sentence
from marts.revenue_change
where month = (select month from report_month)
order by comparison;

-- The revenue change and its parts, against the month before and a year before.
create or replace temp view report_decomposition as
with
month_before as (select * from marts.revenue_change where comparison = 'month_before' and month = (select month from report_month)),
year_before as (select * from marts.revenue_change where comparison = 'year_before' and month = (select month from report_month)),
parts as (
  select parts.*
  from (select 1) as one
  left join month_before on true
  left join year_before on true
  cross join lateral (
    values
      (1, '销售额变化', 'Revenue change', month_before.revenue_change_amount, year_before.revenue_change_amount),
      (2, '成交人数', 'Buyers', month_before.buyers_part, year_before.buyers_part),
      (3, '人均购买次数', 'Purchases per buyer', month_before.purchases_per_buyer_part, year_before.purchases_per_buyer_part),
      (4, '笔单价', 'AOV', month_before.aov_part, year_before.aov_part),
      (5, '新客', 'New buyers', month_before.new_buyers_part, year_before.new_buyers_part),
      (6, '老客', 'Returning buyers', month_before.returning_buyers_part, year_before.returning_buyers_part)
  ) as parts (position, label_zh, label_en, month_amount, year_amount)
  where month_before.month is not null
)
select label_zh, label_en, signed_yuan_text(month_amount) as month_before_text, signed_yuan_text(year_amount) as year_before_text
from parts
order by position;

create or replace temp view report_targets as
select
  metric_label,
  figure_text(actual, if(metric = 'repurchase_rate', 'share', if(metric = 'revenue', 'yuan', 'count'))) as actual_text,
  figure_text(target, if(metric = 'repurchase_rate', 'share', if(metric = 'revenue', 'yuan', 'count'))) as target_text,
  figure_text(progress, 'share') as progress_text
from marts.kpi_targets
where month = (select month from report_month)
order by metric;

create or replace temp view report_alerts as
select
  metric_label,
  value_text,
  if(direction = 'below', '低于', '高于') as direction_zh,
  direction,
  usual_text,
  window_months_found,
  format('{:g}', mads) as mads_text
from marts.kpi_alerts
where alert and month = (select month from report_month)
order by metric;

-- Each stage at the month's end, the members who moved into it in the month, and the change on
-- the month before's end.
create or replace temp view report_lifecycle as
with
this as (select * from marts.lifecycle_monthly where month_end = last_day((select month from report_month))),
before as (select * from marts.lifecycle_monthly where month_end = (select month from report_month) - 1)
select
  this.stage_label,
  format('{:,d}', this.members) as members_text,
  format('{:,d}', this.moved_in) as moved_in_text,
  case when before.members is null then '—' else if(this.members < before.members, '−', '+') || format('{:,d}', abs(this.members - before.members)) end as change_text
from this
left join before on before.stage = this.stage
order by this.stage_order;

-- The campaigns sent in the month, largest attributed revenue first; five at most, so that the
-- report stays within two pages (the total below counts them all).
create or replace temp view report_campaigns as
select
  name,
  channel_label,
  format('{:,d}', treatment_size) as contacts_text,
  figure_text(attributed_revenue, 'yuan') as revenue_text,
  figure_text(cost, 'yuan') as cost_text,
  coalesce(incremental_roi_text, if(window_complete, '—', format('{} 天后 days to go', days_left))) as incremental_roi_text
from marts.campaign_roi
where date_trunc('month', sent_at) = (select month from report_month)
order by attributed_revenue desc, sent_at, campaign_id
limit 5;

-- The month's campaigns together (campaign_rollup by month sent).
create or replace temp view report_campaign_total as
select
  format('{:,d}', campaigns) as campaigns_text,
  figure_text(cost, 'yuan') as cost_text,
  figure_text(attributed_revenue, 'yuan') as revenue_text,
  coalesce(format('{:,.1f}', naive_roi), '—') as naive_roi_text
from marts.campaign_rollup
where dimension = 'month' and rollup_key = (select month_text from report_month);
