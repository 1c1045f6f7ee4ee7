-- The purchase-count ladders of four large shops from the course notes (docs/metrics.md), shown
-- beside the shop's own ladder: the share going on from the n-th to the (n+1)-th purchase.
-- grain: shop_type, step_n
-- tests: accepted_range(conversion, 0, 1)
with

reference_ladders as (select * from seeds.reference_ladders),

final as (
  select * from reference_ladders
)

select * from final
