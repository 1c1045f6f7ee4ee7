-- One row per product with the name and category of its latest order line (the line of the most
-- recently created order, then the greater order id and line number): a product that moved to
-- another category counts under its current one everywhere.
-- grain: product_id
-- tests: not_null(category)
with

order_items as (select * from staging.stg_order_items),

orders as (select * from staging.stg_orders),

-- The latest line by one pass per product (arg_max), not a sort of every line: a line whose order
-- is missing comes last.
latest_lines as (
  select
    order_items.product_id,
    arg_max(
      {product_name: order_items.product_name, category: order_items.category},
      (coalesce(orders.created_at, '-infinity'::timestamp), order_items.order_id, order_items.line_number)
    ) as line
  from order_items
  left join orders on orders.order_id = order_items.order_id
  group by order_items.product_id
),

final as (
  select product_id, line.product_name, line.category from latest_lines
)

select * from final
