-- The purchase-count ladders of four large shops from the course notes (docs/metrics.md), shown
-- beside the shop's own ladder: the share going on from the n-th to the (n+1)-th purchase;
-- shop_type_label = 中文 English (int_code_labels).
-- grain: shop_type, step_n
-- tests: accepted_range(conversion, 0, 1); not_null(shop_type_label)
with

reference_ladders as (select * from seeds.reference_ladders),

code_labels as (select * from intermediate.int_code_labels),

final as (
  select reference_ladders.*, code_labels.label as shop_type_label
  from reference_ladders
  left join code_labels on code_labels.code_set = 'shop_type' and code_labels.code = reference_ladders.shop_type
)

select * from final
