-- New and returning buyers compared, by month: a buyer of the month is new when its first
-- purchase occasion falls in it, returning when it had one before. Per type: buyers, purchase
-- orders, items per order, AOV (笔单价 = net revenue / purchase orders) and the refund rate: of the
-- type's paid orders in the month (purchases, and orders refunded in full), the share with any refund.
-- Each is NULL over fewer than min_rate_members orders (rate_over): a shop's first returning
-- buyers, a handful, would draw a ¥600 AOV beside ¥350. buyer_type_label (中文 English) is code set
-- buyer_type of seeds/code_labels.csv.
-- grain: month, buyer_type
-- tests: accepted_values(buyer_type, 'new', 'returning'); accepted_range(refund_rate, 0, 1); not_null(buyers, orders, buyer_type_label)
with

orders as (select * from staging.stg_orders),

as_of as (select * from intermediate.int_as_of_date_resolved),

code_labels as (select * from intermediate.int_code_labels where code_set = 'buyer_type'),

first_purchases as (select * from intermediate.int_member_first_purchases),

paid_orders as (
  select
    orders.*,
    date_trunc('month', orders.purchased_at)::date as month,
    case when first_purchases.first_month < date_trunc('month', orders.purchased_at) then 'returning' else 'new' end as buyer_type
  from orders
  cross join as_of
  inner join first_purchases on first_purchases.member_id = orders.member_id
  where orders.purchased_at::date <= as_of.as_of_date
    and (orders.is_purchase or orders.refund_amount > 0)
),

by_type as (
  select
    month,
    buyer_type,
    count(distinct member_id) filter (where is_purchase) as buyers,
    count(*) filter (where is_purchase) as orders,
    rate_over(sum(item_count) filter (where is_purchase), count(item_count) filter (where is_purchase))::float8 as items_per_order,
    rate_over(sum(net_amount) filter (where is_purchase), count(*) filter (where is_purchase))::decimal(18, 2) as aov,
    rate_over(count(*) filter (where refund_amount > 0), count(*)) as refund_rate
  from paid_orders
  group by month, buyer_type
),

final as (
  select
    by_type.*,
    code_labels.label as buyer_type_label
  from by_type
  left join code_labels on code_labels.code = by_type.buyer_type
)

select * from final
