-- Member tags (给会员打标签): for each member and attribute of the products file (style, colour,
-- material, season; intermediate.int_product_attributes), the value with the largest share of the
-- member's net spend (net of refunds, each purchase's net value split over its lines by amount;
-- intermediate.int_member_items_priced) among the lines whose product has a value of that
-- attribute. spend_share is that share, purchases the purchases (orders) with that value. The tag
-- is kept only when purchases >= tag_min_purchases and spend_share >= tag_min_share
-- (seeds/parameters.csv). A tie on spend goes to the value with more purchases, then to the
-- first value in text order. Plus attribute price_band: the band of seeds/price_bands.csv holding
-- the member's median item price (over their purchase lines with a price; of an even number of
-- lines, the mean of the two middle ones), kept when the member has at least tag_min_purchases
-- purchases; spend_share is the share of their net spend on items of that band, purchases all
-- their purchases with a priced item. value_order orders the price bands (NULL for other
-- attributes). attribute_label and value_label come from seeds/code_labels.csv (tag_attribute,
-- price_band); a value without a label shows as written. Without a products file only the price
-- band is tagged.
-- A member's tags depend only on that member's lines, so a refresh rebuilds the members whose lines
-- changed.
-- grain: member_id, attribute
-- materialized: incremental
-- incremental_key: member_id
-- tests: not_null(value, spend_share, purchases, attribute_label, value_label); accepted_range(spend_share, 0, 1)
with

items as (select * from intermediate.int_member_items_priced),

product_attributes as (select * from intermediate.int_product_attributes),

price_bands as (select * from seeds.price_bands),

code_labels as (select * from intermediate.int_code_labels),

member_values as (
  select
    items.member_id,
    product_attributes.attribute,
    product_attributes.value,
    sum(items.net_spend) as net_spend,
    count(distinct items.order_id) as purchases
  from items
  inner join product_attributes on product_attributes.product_id = items.product_id
  group by items.member_id, product_attributes.attribute, product_attributes.value
),

ranked_values as (
  select
    member_id,
    attribute,
    value,
    net_spend::float8 / nullif(sum(net_spend) over (partition by member_id, attribute), 0) as spend_share,
    purchases,
    row_number() over (partition by member_id, attribute order by net_spend desc nulls last, purchases desc nulls last, value) as value_rank
  from member_values
),

top_values as (
  select member_id, attribute, value, spend_share, purchases
  from ranked_values
  where value_rank = 1
),

attribute_tags as (
  select member_id, attribute, value, spend_share, purchases, null::integer as value_order
  from top_values
  where purchases >= getvariable('tag_min_purchases')
    and spend_share >= getvariable('tag_min_share')
),

member_prices as (
  select
    member_id,
    percentile_cont(0.5) within group (order by item_price) as median_item_price,
    count(distinct order_id) as purchases,
    sum(net_spend) as net_spend
  from items
  where item_price is not null
  group by member_id
),

member_bands as (
  select member_prices.*, price_bands.band, price_bands.band_order
  from member_prices
  inner join price_bands
    on member_prices.median_item_price >= price_bands.lower_bound
   and (price_bands.upper_bound is null or member_prices.median_item_price < price_bands.upper_bound)
  where member_prices.purchases >= getvariable('tag_min_purchases')
),

band_spend as (
  select items.member_id, sum(items.net_spend) as net_spend
  from items
  inner join member_bands on member_bands.member_id = items.member_id and member_bands.band = items.price_band
  group by items.member_id
),

price_band_tags as (
  select
    member_bands.member_id,
    'price_band' as attribute,
    member_bands.band as value,
    coalesce(band_spend.net_spend::float8 / nullif(member_bands.net_spend, 0), 0) as spend_share,
    member_bands.purchases,
    member_bands.band_order as value_order
  from member_bands
  left join band_spend on band_spend.member_id = member_bands.member_id
),

tags as (
  select * from attribute_tags
  union all
  select * from price_band_tags
),

final as (
  select
    tags.member_id,
    tags.attribute,
    coalesce(attribute_labels.label, tags.attribute) as attribute_label,
    tags.value,
    coalesce(value_labels.label, tags.value) as value_label,
    tags.value_order,
    least(tags.spend_share, 1)::float8 as spend_share,
    tags.purchases
  from tags
  left join code_labels as attribute_labels on attribute_labels.code_set = 'tag_attribute' and attribute_labels.code = tags.attribute
  left join code_labels as value_labels on value_labels.code_set = tags.attribute and value_labels.code = tags.value
)

select * from final
