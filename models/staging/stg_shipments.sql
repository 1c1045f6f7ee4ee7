-- One row per shipped order of the optional shipments file: when its first parcel was shipped
-- (with that parcel's carrier and tracking number), when the last was signed for (NULL until
-- every parcel is), and whether any parcel was flagged as abnormal logistics (异常物流: the
-- export's flag, or an exception text). A parcel is an order's tracking number; a later row for
-- it replaces the values it gives (later file, then later line) and keeps those it leaves empty,
-- so nothing already loaded is lost. Without a shipments file it is empty.
-- grain: order_id
-- materialized: table
-- tests: not_null(shipped_at, is_exception)
with

shipments as (select * from raw.shipments),

cleaned as (
  select
    order_id,
    coalesce(nullif(trim(tracking_no), ''), '') as parcel,
    shipped_at,
    nullif(trim(carrier), '') as carrier,
    nullif(trim(tracking_no), '') as tracking_no,
    signed_at,
    is_exception,
    nullif(trim(exception_text), '') as exception_text,
    _file_id,
    _line
  from shipments
),

-- A parcel's rows numbered from the earliest (file, then line): a single key for arg_max.
numbered as (
  select
    cleaned.*,
    row_number() over (partition by order_id, parcel order by _file_id, _line) as delivery_order
  from cleaned
),

parcels as (
  select
    order_id,
    parcel,
    arg_max(shipped_at, delivery_order) as shipped_at,
    arg_max(carrier, delivery_order) filter (where carrier is not null) as carrier,
    arg_max(tracking_no, delivery_order) filter (where tracking_no is not null) as tracking_no,
    arg_max(signed_at, delivery_order) filter (where signed_at is not null) as signed_at,
    arg_max(is_exception, delivery_order) filter (where is_exception is not null) as is_exception,
    arg_max(exception_text, delivery_order) filter (where exception_text is not null) as exception_text
  from numbered
  group by order_id, parcel
),

-- An order's parcels numbered by shipping (then parcel): a single key for arg_min.
parcels_ordered as (
  select
    parcels.*,
    row_number() over (partition by order_id order by shipped_at, parcel) as shipping_order
  from parcels
),

final as (
  select
    order_id,
    min(shipped_at) as shipped_at,
    arg_min(carrier, shipping_order) as carrier,
    arg_min(tracking_no, shipping_order) as tracking_no,
    case when count(signed_at) = count(*) then max(signed_at) end as signed_at,
    bool_or(coalesce(is_exception, exception_text is not null)) as is_exception,
    string_agg(distinct exception_text, '; ' order by exception_text) as exception_text
  from parcels_ordered
  group by order_id
)

select * from final
