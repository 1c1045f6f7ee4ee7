-- One row per member, product and day the member bought it (purchases up to the as-of date),
-- with the product's current category and the days since the member last bought the same product.
-- grain: member_id, product_id, purchase_date
with

orders as (select * from staging.stg_orders),

order_items as (select * from staging.stg_order_items),

products as (select * from intermediate.int_products_described),

as_of as (select * from intermediate.int_as_of_date_resolved),

product_days as (
  select distinct
    orders.member_id,
    order_items.product_id,
    products.category,
    orders.purchased_at::date as purchase_date
  from order_items
  inner join orders on orders.order_id = order_items.order_id
  inner join products on products.product_id = order_items.product_id
  cross join as_of
  where orders.is_purchase
    and orders.purchased_at::date <= as_of.as_of_date
),

final as (
  select
    *,
    purchase_date - lag(purchase_date) over (partition by member_id, product_id order by purchase_date) as days_since_previous
  from product_days
)

select * from final
