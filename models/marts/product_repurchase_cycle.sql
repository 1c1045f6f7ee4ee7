-- Repurchase cycle per product and per category: buyers, buyers who bought it again on another
-- day, and the median days between consecutive purchases of it by the same member. For a
-- category, any product of the category counts as buying it again.
-- grain: level, item_key
-- tests: accepted_values(level, 'product', 'category'); not_null(buyers, repeat_buyers)
with

product_purchases as (select * from intermediate.int_product_purchases_dated),

order_items as (select * from staging.stg_order_items),

product_names as (
  select product_id, max(product_name) as product_name, max(category) as category
  from order_items
  group by product_id
),

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
    product_names.product_id,
    product_names.product_name,
    coalesce(product_names.category, cycles.item_key) as category
  from cycles
  left join product_names on cycles.level = 'product' and product_names.product_id = cycles.item_key
)

select * from final
