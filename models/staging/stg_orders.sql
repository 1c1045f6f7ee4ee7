-- One row per order in its latest known state. A later row for the same order_id is a status
-- update, and the latest row wins, ranked by updated_at (a row that says when its state was true
-- outranks one that does not), then by the later file, then by the later line. A field the
-- latest row leaves empty keeps the latest non-empty value of the order's earlier rows (a later
-- export without 退款金额 does not undo a refund).
-- A purchase is an order whose status is a purchase status (seeds/order_statuses.csv) and whose
-- net value (paid − refunded) is above zero: a 交易成功 order refunded in full is none. With
-- zero_value_purchases, an order worth ¥0 that was never refunded counts too.
-- A status as a shop export writes it (交易成功, paid/fulfilled) becomes ours through
-- seeds/order_status_aliases.csv; canonical files already use ours.
-- member_id is the salted hash of the buyer id; buyer ids and phones stay in stg_member_contacts.
-- grain: order_id
-- materialized: incremental
-- incremental_key: order_id
-- tests: not_null(member_id, created_at, status, purchased_at, net_amount); relationships(status, seeds.order_statuses, status)
with

orders as (select * from raw.orders),

statuses as (select * from seeds.order_statuses),

status_aliases as (select * from seeds.order_status_aliases),

ranked as (
  select
    *,
    row_number() over (partition by order_id order by updated_at desc nulls last, _file_id desc nulls last, _line desc nulls last) as state_rank
  from orders
),

latest_state as (
  select
    order_id,
    arg_min(member_id, state_rank) as member_id,
    arg_min(created_at, state_rank) as created_at,
    arg_min(status, state_rank) as status,
    arg_min(paid_amount, state_rank) as paid_amount,
    arg_min(updated_at, state_rank) filter (where updated_at is not null) as updated_at,
    arg_min(paid_at, state_rank) filter (where paid_at is not null) as paid_at,
    arg_min(refund_amount, state_rank) filter (where refund_amount is not null) as refund_amount,
    arg_min(item_count, state_rank) filter (where item_count is not null) as item_count,
    arg_min(trim(province), state_rank) filter (where nullif(trim(province), '') is not null) as province,
    arg_min(trim(city), state_rank) filter (where nullif(trim(city), '') is not null) as city,
    arg_min(trim(channel), state_rank) filter (where nullif(trim(channel), '') is not null) as channel,
    arg_min(trim(coupon_code), state_rank) filter (where nullif(trim(coupon_code), '') is not null) as coupon_code
  from ranked
  group by order_id
),

mapped as (
  select
    latest_state.*,
    coalesce(status_aliases.status, lower(trim(latest_state.status))) as canonical_status,
    latest_state.paid_amount - coalesce(latest_state.refund_amount, 0) as net_amount
  from latest_state
  left join status_aliases on status_aliases.status_text = trim(latest_state.status)
),

final as (
  select
    mapped.order_id,
    member_key(mapped.member_id) as member_id,
    mapped.created_at,
    mapped.paid_at,
    coalesce(mapped.paid_at, mapped.created_at) as purchased_at, -- shop time zone
    mapped.updated_at,
    mapped.canonical_status as status,
    coalesce(statuses.is_purchase, false)
      and (mapped.net_amount > 0 or (getvariable('zero_value_purchases') and mapped.paid_amount = 0 and coalesce(mapped.refund_amount, 0) = 0))
      as is_purchase,
    mapped.paid_amount,
    coalesce(mapped.refund_amount, 0) as refund_amount,
    mapped.net_amount,
    mapped.item_count,
    mapped.province,
    mapped.city,
    mapped.channel,
    mapped.coupon_code
  from mapped
  left join statuses on statuses.status = mapped.canonical_status
)

select * from final
