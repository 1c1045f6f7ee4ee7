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
  select
    *,
    row_number() over (partition by order_id, trim(line_id) order by _file_id desc nulls last, _line desc nulls last) as latest_rank
  from order_items
  where nullif(trim(line_id), '') is not null
),

unidentified_lines as (
  select
    *,
    max(_file_id) over (partition by order_id) as latest_file_id
  from order_items
  where nullif(trim(line_id), '') is null
),

-- Two windows over the two kinds of lines: measured faster than one window over all of them.
current_lines as (
  select order_id, line_id, product_id, product_name, category, quantity, unit_price, amount, _file_id, _line
  from identified_lines
  where latest_rank = 1
  union all
  select order_id, line_id, product_id, product_name, category, quantity, unit_price, amount, _file_id, _line
  from unidentified_lines
  where _file_id = latest_file_id
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
