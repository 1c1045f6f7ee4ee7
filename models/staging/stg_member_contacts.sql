-- Protected: the one table that joins member keys back to buyer ids and phone numbers (the
-- latest non-empty phone of the member's orders). Only audience exports may read it; no mart does.
-- A buyer's row depends only on that buyer's orders and member rows, so a refresh rebuilds only
-- the buyers (raw member_id) of the new files.
-- grain: member_id
-- materialized: incremental
-- incremental_key: buyer_id = member_id
-- tests: not_null(buyer_id)
with

orders as (select * from raw.orders),

members as (select * from raw.members),

buyer_ids as (
  select member_id as buyer_id from orders
  union
  select member_id as buyer_id from members
),

phones as (
  select
    member_id as buyer_id,
    trim(phone) as phone,
    row_number() over (partition by member_id order by created_at desc nulls last, _file_id desc nulls last, _line desc nulls last) as phone_rank
  from orders
  where nullif(trim(phone), '') is not null
),

latest_phones as (
  select buyer_id, phone
  from phones
  where phone_rank = 1
),

final as (
  select
    member_key(buyer_ids.buyer_id) as member_id,
    buyer_ids.buyer_id,
    latest_phones.phone
  from buyer_ids
  left join latest_phones on latest_phones.buyer_id = buyer_ids.buyer_id
)

select * from final
