-- One row per member, product and day the member bought it (purchases up to the as-of date: the
-- lines of int_member_items_priced), with the product's current category and the days since the
-- member last bought the same product. A member's rows depend only on that member's lines, so a
-- refresh rebuilds the members whose lines changed; a new products file rebuilds every member.
-- grain: member_id, product_id, purchase_date
-- materialized: incremental
-- incremental_key: member_id
with

items as (select * from intermediate.int_member_items_priced),

products as (select * from intermediate.int_products_described),

product_days as (
  select distinct
    items.member_id,
    items.product_id,
    products.category,
    items.purchase_date
  from items
  inner join products on products.product_id = items.product_id
),

final as (
  select
    *,
    purchase_date - lag(purchase_date) over (partition by member_id, product_id order by purchase_date) as days_since_previous
  from product_days
)

select * from final
