-- One row per line of an order, as last sent: when an order's items arrive in several files,
-- the latest file's lines replace the earlier ones.
-- grain: order_id, line_number
-- materialized: incremental
-- incremental_key: order_id
-- tests: not_null(product_id, quantity, amount)
with

order_items as (select * from raw.order_items),

latest_file as (
  select order_id, max(_file_id) as _file_id
  from order_items
  group by order_id
),

final as (
  select
    order_items.order_id,
    row_number() over (partition by order_items.order_id order by order_items._line) as line_number,
    order_items.product_id,
    order_items.product_name,
    coalesce(nullif(trim(order_items.category), ''), 'uncategorised') as category,
    order_items.quantity,
    order_items.unit_price,
    order_items.amount
  from order_items
  inner join latest_file
    on latest_file.order_id = order_items.order_id and latest_file._file_id = order_items._file_id
)

select * from final
