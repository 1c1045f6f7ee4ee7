-- Repurchase cycle per product and per category: buyers, buyers who bought it again on another
-- day and their share (NULL over fewer than min_rate_members buyers, a column too, for the page's
-- note), and the median days between consecutive purchases of it by the same member. For a
-- category, any product of the category counts as buying it again; a product's name and category
-- are those of its latest order line (intermediate.int_products_described). level_label and
-- category_label are their labels (seeds/code_labels.csv; a category without one as written).
-- grain: level, item_key
-- tests: accepted_values(level, 'product', 'category'); not_null(buyers, repeat_buyers); accepted_range(repeat_buyer_share, 0, 1)
with

product_purchases as (select * from intermediate.int_product_purchases_dated),

products as (select * from intermediate.int_products_described),

code_labels as (select * from intermediate.int_code_labels),

category_days as (
  select
    member_id,
    category,
    purchase_date,
    purchase_date - lag(purchase_date) over (partition by member_id, category order by purchase_date) as days_since_previous
  from (select distinct member_id, category, purchase_date from product_purchases) as member_category_days
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
    percentile_cont(0.5) within group (order by days_since_previous) as median_cycle_days
  from item_days
  group by level, item_key
),

final as (
  select
    cycles.*,
    rate_over(cycles.repeat_buyers, cycles.buyers) as repeat_buyer_share,
    coalesce(getvariable('min_rate_members'), 0) as min_rate_members,
    products.product_id,
    products.product_name,
    coalesce(products.category, cycles.item_key) as category,
    coalesce(level_labels.label, cycles.level) as level_label,
    coalesce(category_labels.label, products.category, cycles.item_key) as category_label
  from cycles
  left join products on cycles.level = 'product' and products.product_id = cycles.item_key
  left join code_labels as level_labels on level_labels.code_set = 'cycle_level' and level_labels.code = cycles.level
  left join code_labels as category_labels
    on category_labels.code_set = 'category' and category_labels.code = coalesce(products.category, cycles.item_key)
)

select * from final
