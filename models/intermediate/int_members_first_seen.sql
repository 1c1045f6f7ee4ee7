-- The day each member became known to the shop: joined, or first ordered (any status), whichever
-- came first, up to the as-of date.
-- grain: member_id
-- tests: not_null(first_seen_date)
with

members as (select * from staging.stg_members),

orders as (select * from staging.stg_orders),

as_of as (select * from intermediate.int_as_of_date_resolved),

sightings as (
  select member_id, joined_at::date as seen_date from members where joined_at is not null
  union all
  select member_id, created_at::date as seen_date from orders
),

final as (
  select sightings.member_id, min(sightings.seen_date) as first_seen_date
  from sightings
  cross join as_of
  where sightings.seen_date <= as_of.as_of_date
  group by sightings.member_id
)

select * from final
