-- One row per refund of the optional refunds file: its order, when it was requested and finished
-- (NULL while open), the amount, the reason as exported with its code (seeds/refund_reasons.csv;
-- a reason it does not list, or none, is 'other') and its status (seeds/refund_statuses.csv
-- maps 退款成功, 退款关闭, 退款中 …; a load quarantines any other). A later row for the refund
-- replaces the values it gives (later file, then later line) and keeps those it leaves empty.
-- The refunds explain refunded money: net revenue stays the orders' paid − refunded amounts.
-- Without a refunds file it is empty.
-- grain: refund_id
-- materialized: table
-- tests: not_null(order_id, requested_at, amount, status); accepted_values(status, 'success', 'closed', 'open')
with

refunds as (select * from raw.refunds),

refund_reasons as (select * from seeds.refund_reasons),

refund_statuses as (select * from seeds.refund_statuses),

-- A refund's rows numbered from the earliest (file, then line): a single key for arg_max.
numbered as (
  select
    refund_id,
    order_id,
    requested_at,
    finished_at,
    amount,
    reason,
    status,
    row_number() over (partition by refund_id order by _file_id, _line) as delivery_order
  from refunds
),

latest as (
  select
    refund_id,
    arg_max(order_id, delivery_order) as order_id,
    arg_max(requested_at, delivery_order) as requested_at,
    arg_max(finished_at, delivery_order) filter (where finished_at is not null) as finished_at,
    arg_max(amount, delivery_order) as amount,
    arg_max(trim(reason), delivery_order) filter (where nullif(trim(reason), '') is not null) as reason,
    arg_max(trim(status), delivery_order) as status_text
  from numbered
  group by refund_id
),

final as (
  select
    latest.refund_id,
    latest.order_id,
    latest.requested_at,
    latest.finished_at,
    latest.amount,
    latest.reason,
    coalesce(refund_reasons.reason_code::varchar, 'other') as reason_code,
    refund_statuses.status::varchar as status
  from latest
  left join refund_reasons on refund_reasons.reason_text = latest.reason
  left join refund_statuses on refund_statuses.status_text = latest.status_text
)

select * from final
