-- One row per product with the name and category of its latest order line (the line of the most
-- recently created order, then the greater order id and line number): a product that moved to
-- another category counts under its current one everywhere.
-- grain: product_id
-- tests: not_null(category)
with

order_items as (select * from staging.stg_order_items),

orders as (select * from staging.stg_orders),

latest_lines as (
  select
    order_items.product_id,
    order_items.product_name,
    order_items.category
  from order_items
  left join orders on orders.order_id = order_items.order_id
  qualify row_number() over (
    partition by order_items.product_id
    order by orders.created_at desc nulls last, order_items.order_id desc, order_items.line_number desc
  ) = 1
),

final as (
  select * from latest_lines
)

select * from final
