-- One row per line of an order in its latest known form. A line with a line_id (Tmall's 子订单编号)
-- is replaced only by a later row with the same order_id and line_id (later file, then later
-- line). Lines without one are replaced as a whole: the latest file holding such lines of an
-- order gives all of them.
-- grain: order_id, line_number
-- materialized: incremental
-- incremental_key: order_id
-- tests: not_null(product_id, quantity, amount)
with

order_items as (select * from raw.order_items),

identified_lines as (
  select *
  from order_items
  where nullif(trim(line_id), '') is not null
  qualify row_number() over (partition by order_id, trim(line_id) order by _file_id desc, _line desc) = 1
),

unidentified_lines as (
  select *
  from order_items
  where nullif(trim(line_id), '') is null
  qualify _file_id = max(_file_id) over (partition by order_id)
),

current_lines as (
  select * from identified_lines
  union all
  select * from unidentified_lines
),

final as (
  select
    order_id,
    row_number() over (partition by order_id order by _file_id, _line) as line_number,
    nullif(trim(line_id), '') as line_id,
    product_id,
    product_name,
    coalesce(nullif(trim(category), ''), 'uncategorised') as category,
    quantity,
    unit_price,
    amount
  from current_lines
)

select * from final
