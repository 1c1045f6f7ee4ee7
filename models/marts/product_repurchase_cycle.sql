-- Repurchase cycle per product and per category: buyers, buyers who bought it again on another
-- day, and the median days between consecutive purchases of it by the same member. For a
-- category, any product of the category counts as buying it again; a product's name and category
-- are those of its latest order line (intermediate.int_products_described).
-- grain: level, item_key
-- tests: accepted_values(level, 'product', 'category'); not_null(buyers, repeat_buyers)
with

product_purchases as (select * from intermediate.int_product_purchases_dated),

products as (select * from intermediate.int_products_described),

category_days as (
  select
    member_id,
    category,
    purchase_date,
    purchase_date - lag(purchase_date) over (partition by member_id, category order by purchase_date) as days_since_previous
  from (select distinct member_id, category, purchase_date from product_purchases)
),

item_days as (
  select 'product' as level, product_id as item_key, member_id, days_since_previous from product_purchases
  union all
  select 'category' as level, category as item_key, member_id, days_since_previous from category_days
),

cycles as (
  select
    level,
    item_key,
    count(distinct member_id) as buyers,
    count(distinct member_id) filter (where days_since_previous is not null) as repeat_buyers,
    median(days_since_previous) as median_cycle_days
  from item_days
  group by level, item_key
),

final as (
  select
    cycles.*,
    products.product_id,
    products.product_name,
    coalesce(products.category, cycles.item_key) as category
  from cycles
  left join products on cycles.level = 'product' and products.product_id = cycles.item_key
)

select * from final
