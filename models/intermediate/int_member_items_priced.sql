-- One row per line of a purchase up to the as-of date: the member, the product, the day of
-- purchased_at, the item price
-- (unit_price, else amount / quantity: the price before order discounts) with its band of
-- seeds/price_bands.csv (lower bound inclusive, upper exclusive), and the line's share of the
-- order's net value (paid − refunded) by its amount, so that a member's lines add up to their net
-- spend as the other marts count it. An order whose lines come to ¥0 splits it evenly.
-- An order's lines depend only on that order and on whether it falls by the as-of date, so a
-- refresh rebuilds the new files' orders and those a new as-of date takes in or leaves out.
-- grain: order_id, line_number
-- materialized: incremental
-- incremental_key: order_id
-- as_of_cut: staging.stg_orders.purchased_at <= intermediate.int_as_of_date_resolved.as_of_date
-- tests: not_null(member_id, product_id, net_spend)
with

orders as (select * from staging.stg_orders),

order_items as (select * from staging.stg_order_items),

price_bands as (select * from seeds.price_bands),

as_of as (select * from intermediate.int_as_of_date_resolved),

purchase_lines as (
  select
    order_items.order_id,
    order_items.line_number,
    orders.member_id,
    order_items.product_id,
    orders.purchased_at::date as purchase_date,
    coalesce(order_items.unit_price, order_items.amount::float8 / nullif(order_items.quantity, 0)) as item_price,
    -- In decimal to the hundredth of a fen: sums of doubles come out in a different last bit from
    -- one build to the next (the order a parallel sum meets them), and a share or a tie would too.
    (case
      when sum(order_items.amount) over order_lines > 0
        then (orders.net_amount * order_items.amount)::float8 / sum(order_items.amount) over order_lines
      else orders.net_amount::float8 / count(*) over order_lines
    end)::decimal(18, 4) as net_spend
  from order_items
  inner join orders on orders.order_id = order_items.order_id
  cross join as_of
  where orders.is_purchase
    and orders.purchased_at::date <= as_of.as_of_date
  window order_lines as (partition by order_items.order_id)
),

final as (
  select
    purchase_lines.*,
    price_bands.band as price_band,
    price_bands.band_order as price_band_order
  from purchase_lines
  left join price_bands
    on purchase_lines.item_price >= price_bands.lower_bound
   and (price_bands.upper_bound is null or purchase_lines.item_price < price_bands.upper_bound)
)

select * from final
