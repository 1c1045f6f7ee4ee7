-- Delivery (shipment → signed for) over the paid orders with a shipment
-- (intermediate.int_shipments_timed): all of them, by the member's province (marts.member_facts:
-- the stated one, else the latest order address) and by carrier (of the first parcel); 'unknown'
-- where there is none. Per segment: shipped orders, signed orders (every parcel signed for), the
-- median (P50) and P90 hours from the first parcel shipped to the last signed, and the
-- abnormal-logistics rate (异常物流: orders flagged as exceptions / shipped orders; NULL over fewer
-- than min_rate_members). segment_order: provinces and carriers by shipped orders, most first,
-- unknown last. dimension_label and segment_label from seeds/code_labels.csv (service_dimension,
-- service_segment); a province or carrier is labelled by itself. No shipments file: no rows.
-- grain: dimension, segment
-- tests: accepted_values(dimension, 'all', 'province', 'carrier'); not_null(dimension_label, segment_label, segment_order, shipped_orders, signed_orders, exception_orders); accepted_range(exception_rate, 0, 1)
with

shipments as (select * from intermediate.int_shipments_timed),

member_facts as (select * from marts.member_facts),

code_labels as (select * from intermediate.int_code_labels),

segmented as (
  select 'all' as dimension, 'all' as segment, shipments.* from shipments
  union all
  select 'province' as dimension, coalesce(member_facts.province, 'unknown') as segment, shipments.*
  from shipments
  left join member_facts on member_facts.member_id = shipments.member_id
  union all
  select 'carrier' as dimension, coalesce(shipments.carrier, 'unknown') as segment, shipments.* from shipments
),

delivery as (
  select
    dimension,
    segment,
    count(*) as shipped_orders,
    count(signed_at) as signed_orders,
    percentile_cont(0.5) within group (order by hours_to_sign) as p50_hours_to_sign,
    percentile_cont(0.9) within group (order by hours_to_sign) as p90_hours_to_sign,
    count(*) filter (where is_exception) as exception_orders,
    rate_over(count(*) filter (where is_exception), count(*)) as exception_rate
  from segmented
  group by dimension, segment
),

final as (
  select
    delivery.dimension,
    dimension_labels.label as dimension_label,
    delivery.segment,
    coalesce(segment_labels.label, delivery.segment) as segment_label,
    row_number() over (partition by delivery.dimension order by delivery.segment = 'unknown', delivery.shipped_orders desc nulls last, delivery.segment) as segment_order,
    delivery.shipped_orders,
    delivery.signed_orders,
    delivery.p50_hours_to_sign,
    delivery.p90_hours_to_sign,
    delivery.exception_orders,
    delivery.exception_rate
  from delivery
  left join code_labels as dimension_labels on dimension_labels.code_set = 'service_dimension' and dimension_labels.code = delivery.dimension
  left join code_labels as segment_labels
    on segment_labels.code_set = 'service_segment' and segment_labels.code = delivery.segment and delivery.segment in ('all', 'unknown')
)

select * from final
