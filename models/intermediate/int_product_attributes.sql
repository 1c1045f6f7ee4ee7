-- One row per product and attribute it has a value of, from the products file (staging.stg_products):
-- the attributes a member is tagged on, as a long table so that marts.member_tags treats them alike.
-- A new attribute column of raw.products is one more part of the union.
-- grain: product_id, attribute
-- tests: not_null(value)
with

products as (select * from staging.stg_products),

attribute_values as (
  select product_id, 'style' as attribute, style as value from products
  union all
  select product_id, 'colour' as attribute, colour as value from products
  union all
  select product_id, 'material' as attribute, material as value from products
  union all
  select product_id, 'season' as attribute, season as value from products
),

final as (
  select product_id, attribute, value from attribute_values where value is not null
)

select * from final
