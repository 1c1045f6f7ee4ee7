-- The month comparison (环比) behind the Overview's month picker: each complete month of kpi_monthly
-- against the complete month before it, latest = true for the last complete one (the month the
-- Overview opens on). Buyers, revenue, revenue per buyer (客单价) and AOV (笔单价) change as this
-- month / that month − 1; the within-month repurchase rate and the returning buyers' shares of
-- buyers and of revenue change in points (this − that). A month whose month before is not in the
-- data (the first month) has no row; no row at all until two months are complete.
-- grain: month
-- tests: not_null(previous_month, buyers, revenue, latest)
with

kpi_monthly as (select * from marts.kpi_monthly),

complete_months as (
  select
    *,
    row_number() over (order by month desc nulls last) as recency_rank
  from kpi_monthly
  where month_complete
),

final as (
  select
    current_month.month,
    previous_month.month as previous_month,
    current_month.recency_rank = 1 as latest,
    current_month.buyers,
    current_month.revenue,
    current_month.revenue_per_buyer,
    current_month.aov,
    current_month.repurchase_rate,
    current_month.returning_buyer_share,
    current_month.returning_revenue_share,
    current_month.buyers::float8 / nullif(previous_month.buyers, 0) - 1 as buyers_change,
    current_month.revenue::float8 / nullif(previous_month.revenue, 0) - 1 as revenue_change,
    current_month.revenue_per_buyer::float8 / nullif(previous_month.revenue_per_buyer, 0) - 1 as revenue_per_buyer_change,
    current_month.aov::float8 / nullif(previous_month.aov, 0) - 1 as aov_change,
    current_month.repurchase_rate - previous_month.repurchase_rate as repurchase_rate_change,
    current_month.returning_buyer_share - previous_month.returning_buyer_share as returning_buyer_share_change,
    current_month.returning_revenue_share - previous_month.returning_revenue_share as returning_revenue_share_change
  from complete_months as current_month
  inner join complete_months as previous_month on previous_month.recency_rank = current_month.recency_rank + 1
)

select * from final
