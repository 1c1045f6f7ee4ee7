-- One row per product and attribute it has a value of, from the products file (staging.stg_products):
-- the attributes a member is tagged on, as a long table so that marts.member_tags treats them alike.
-- A new attribute column of raw.products is one more line in the unpivot.
-- grain: product_id, attribute
-- tests: not_null(value)
with

products as (select * from staging.stg_products),

unpivoted as (
  unpivot (select product_id, style, colour, material, season from products)
  on style, colour, material, season
  into name attribute value value
),

final as (
  select product_id, attribute, value from unpivoted where value is not null
)

select * from final
