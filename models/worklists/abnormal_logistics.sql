-- 异常物流: the work list of the shop's service staff, one row per order still a purchase that was
-- shipped by the as-of date and not signed for by then, and either shipped more than
-- logistics_overdue_days days before it (is_overdue) or flagged as abnormal logistics by the
-- export (is_exception), with carrier and tracking number to chase and the
-- member as the salted id (no buyer id, phone or address). A signed parcel leaves the list: what
-- went wrong shows in its review or refund. In schema worklists, never published to the site (a
-- tracking number leads to an address). Empty without a shipments file.
-- grain: order_id
-- tests: not_null(member_id, shipped_at, days_since_shipment, is_overdue, is_exception)
with

shipments as (select * from intermediate.int_shipments_tracked),

as_of as (select * from intermediate.int_as_of_date_resolved),

waiting as (
  select
    shipments.*,
    as_of.as_of_date - shipments.shipped_at::date as days_since_shipment
  from shipments
  cross join as_of
  where shipments.shipped_at::date <= as_of.as_of_date
    and (shipments.signed_at is null or shipments.signed_at::date > as_of.as_of_date)
),

final as (
  select
    order_id,
    member_id,
    province,
    city,
    carrier,
    tracking_no,
    shipped_at,
    days_since_shipment,
    days_since_shipment > getvariable('logistics_overdue_days') as is_overdue,
    is_exception,
    exception_text
  from waiting
  where days_since_shipment > getvariable('logistics_overdue_days') or is_exception
)

select * from final
