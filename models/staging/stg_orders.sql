-- One row per order in its latest known state: a later row for the same order_id (a later
-- file, or a later line of the same file) is a status update and replaces the earlier one.
-- member_id is the salted hash of the buyer id; buyer ids and phones stay in stg_member_contacts.
-- A status as a shop export writes it (交易成功, paid/fulfilled) becomes ours through
-- seeds/order_status_aliases.csv; canonical files already use ours.
-- grain: order_id
-- materialized: incremental
-- incremental_key: order_id
-- tests: not_null(member_id, created_at, status, purchased_at); relationships(status, seeds.order_statuses, status)
with

orders as (select * from raw.orders),

statuses as (select * from seeds.order_statuses),

status_aliases as (select * from seeds.order_status_aliases),

latest as (
  select *
  from orders
  qualify row_number() over (partition by order_id order by _file_id desc, _line desc) = 1
),

mapped as (
  select latest.*, coalesce(status_aliases.status, lower(trim(latest.status))) as canonical_status
  from latest
  left join status_aliases on status_aliases.status_text = trim(latest.status)
),

final as (
  select
    mapped.order_id,
    member_key(mapped.member_id) as member_id,
    mapped.created_at,
    mapped.paid_at,
    coalesce(mapped.paid_at, mapped.created_at) as purchased_at, -- shop time zone
    mapped.canonical_status as status,
    coalesce(statuses.is_purchase, false) as is_purchase,
    mapped.paid_amount,
    coalesce(mapped.refund_amount, 0) as refund_amount,
    mapped.paid_amount - coalesce(mapped.refund_amount, 0) as net_amount,
    mapped.item_count,
    nullif(trim(mapped.province), '') as province,
    nullif(trim(mapped.city), '') as city,
    mapped.channel,
    mapped.coupon_code
  from mapped
  left join statuses on statuses.status = mapped.canonical_status
)

select * from final
