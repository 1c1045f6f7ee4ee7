-- One row per purchase occasion up to the as-of date (see int_purchase_occasions_numbered). An
-- occasion's number counts the member's earlier occasions only, so cutting at the as-of date
-- leaves every number as it would be in data cut at that date.
-- grain: member_id, occasion_number
-- materialized: view
with

occasions as (select * from intermediate.int_purchase_occasions_numbered),

as_of as (select * from intermediate.int_as_of_date_resolved),

final as (
  select occasions.*
  from occasions
  cross join as_of
  where occasions.occasion_date <= as_of.as_of_date
)

select * from final
