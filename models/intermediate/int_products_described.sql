-- One row per product with the name and category of its latest order line (the line of the most
-- recently created order, then the greater order id and line number): a product that moved to
-- another category counts under its current one everywhere.
-- grain: product_id
-- tests: not_null(category)
with

order_items as (select * from staging.stg_order_items),

orders as (select * from staging.stg_orders),

-- A line whose order is missing comes last.
lines as (
  select
    order_items.product_id,
    order_items.product_name,
    order_items.category,
    coalesce(orders.created_at, '-infinity'::timestamp) as ordered_at,
    order_items.order_id,
    order_items.line_number
  from order_items
  left join orders on orders.order_id = order_items.order_id
),

-- Each product's latest order time by one pass (an aggregate), so that only the lines of that
-- time are sorted, not every line.
latest_times as (
  select product_id, max(ordered_at) as ordered_at
  from lines
  group by product_id
),

latest_lines as (
  select
    lines.product_id,
    lines.product_name,
    lines.category,
    row_number() over (partition by lines.product_id order by lines.order_id desc nulls last, lines.line_number desc nulls last) as latest_rank
  from lines
  inner join latest_times on latest_times.product_id = lines.product_id and latest_times.ordered_at = lines.ordered_at
),

final as (
  select product_id, product_name, category from latest_lines where latest_rank = 1
)

select * from final
