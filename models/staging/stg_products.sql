-- One row per product of the optional products file, with the latest non-empty value of each of
-- its columns: a later delivery replaces what it gives (later file, then later line), and a
-- column it leaves empty or lacks keeps the earlier value, so nothing already loaded is lost.
-- Without a products file it is empty, and no other model changes.
-- grain: product_id
-- materialized: table
with

products as (select * from raw.products),

-- Empty text is no value. delivery_order numbers a product's rows from the earliest (file, then
-- line): a single key for arg_max.
cleaned as (
  select
    product_id,
    nullif(trim(product_name), '') as product_name,
    nullif(trim(category), '') as category,
    nullif(trim(style), '') as style,
    nullif(trim(colour), '') as colour,
    nullif(trim(material), '') as material,
    nullif(trim(season), '') as season,
    row_number() over (partition by product_id order by _file_id, _line) as delivery_order
  from products
),

final as (
  select
    product_id,
    arg_max(product_name, delivery_order) filter (where product_name is not null) as product_name,
    arg_max(category, delivery_order) filter (where category is not null) as category,
    arg_max(style, delivery_order) filter (where style is not null) as style,
    arg_max(colour, delivery_order) filter (where colour is not null) as colour,
    arg_max(material, delivery_order) filter (where material is not null) as material,
    arg_max(season, delivery_order) filter (where season is not null) as season
  from cleaned
  group by product_id
)

select * from final
