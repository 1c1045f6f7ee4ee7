-- The Overview's two split charts, in long form, complete months only (a partial month would draw
-- as a drop): measure revenue is the month's net revenue in two parts, new buyers' (revenue -
-- returning_revenue of kpi_monthly) and returning buyers'; measure buyers is the month's new
-- buyers beside all its buyers. part_label (中文 English) is code set buyer_type (revenue) or
-- buyer_count (buyers) of seeds/code_labels.csv; part_order orders the series. The figure is in
-- revenue (money, DECIMAL) or in buyers (a count), as the measure says; the other is NULL.
-- grain: month, measure, part
-- tests: accepted_values(measure, 'revenue', 'buyers'); not_null(part_label, part_order)
with

kpi_monthly as (select * from marts.kpi_monthly where month_complete),

code_labels as (select * from intermediate.int_code_labels),

parts as (
  select month, 'revenue' as measure, 'buyer_type' as code_set, 'new' as part, (revenue - returning_revenue)::decimal(18, 2) as revenue, null::bigint as buyers
  from kpi_monthly
  union all
  select month, 'revenue' as measure, 'buyer_type' as code_set, 'returning' as part, returning_revenue as revenue, null as buyers from kpi_monthly
  union all
  select month, 'buyers' as measure, 'buyer_count' as code_set, 'new_buyers' as part, null as revenue, new_buyers as buyers from kpi_monthly
  union all
  select month, 'buyers' as measure, 'buyer_count' as code_set, 'all_buyers' as part, null as revenue, buyers from kpi_monthly
),

final as (
  select parts.month, parts.measure, parts.part, code_labels.label as part_label, code_labels.code_order as part_order, parts.revenue, parts.buyers
  from parts
  left join code_labels on code_labels.code_set = parts.code_set and code_labels.code = parts.part
)

select * from final
