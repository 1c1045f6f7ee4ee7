-- One row per order in its latest known state: a later row for the same order_id (a later
-- file, or a later line of the same file) is a status update and replaces the earlier one.
-- member_id is the salted hash of the buyer id; buyer ids and phones stay in stg_member_contacts.
-- grain: order_id
-- materialized: incremental
-- incremental_key: order_id
-- tests: not_null(member_id, created_at, status, purchased_at); relationships(status, seeds.order_statuses, status)
with

orders as (select * from raw.orders),

statuses as (select * from seeds.order_statuses),

latest as (
  select *
  from orders
  qualify row_number() over (partition by order_id order by _file_id desc, _line desc) = 1
),

final as (
  select
    latest.order_id,
    member_key(latest.member_id) as member_id,
    latest.created_at,
    latest.paid_at,
    coalesce(latest.paid_at, latest.created_at) as purchased_at, -- shop time zone
    lower(trim(latest.status)) as status,
    coalesce(statuses.is_purchase, false) as is_purchase,
    latest.paid_amount,
    coalesce(latest.refund_amount, 0) as refund_amount,
    latest.paid_amount - coalesce(latest.refund_amount, 0) as net_amount,
    latest.item_count,
    nullif(trim(latest.province), '') as province,
    nullif(trim(latest.city), '') as city,
    latest.channel,
    latest.coupon_code
  from latest
  left join statuses on statuses.status = lower(trim(latest.status))
)

select * from final
