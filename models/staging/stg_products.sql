-- One row per product of the optional products file, with the latest non-empty value of each of
-- its columns: a later delivery replaces what it gives (later file, then later line), and a
-- column it leaves empty or lacks keeps the earlier value, so nothing already loaded is lost.
-- Without a products file it is empty, and no other model changes.
-- grain: product_id
-- materialized: table
with

products as (select * from raw.products),

-- Empty text is no value.
cleaned as (
  select
    product_id,
    nullif(trim(product_name), '') as product_name,
    nullif(trim(category), '') as category,
    nullif(trim(style), '') as style,
    nullif(trim(colour), '') as colour,
    nullif(trim(material), '') as material,
    nullif(trim(season), '') as season,
    _file_id,
    _line
  from products
),

final as (
  select
    product_id,
    arg_max(product_name, (_file_id, _line)) filter (where product_name is not null) as product_name,
    arg_max(category, (_file_id, _line)) filter (where category is not null) as category,
    arg_max(style, (_file_id, _line)) filter (where style is not null) as style,
    arg_max(colour, (_file_id, _line)) filter (where colour is not null) as colour,
    arg_max(material, (_file_id, _line)) filter (where material is not null) as material,
    arg_max(season, (_file_id, _line)) filter (where season is not null) as season
  from cleaned
  group by product_id
)

select * from final
