-- What "the data is fresh up to" means (docs/metrics.md): the newest order placed in the data, the
-- latest created_at (下单时间, shop time zone) over orders of every status, whatever the as-of
-- date. Placed, not paid: an export holds the orders placed up to its end, paid or not. No row
-- without orders. The Data page (data_freshness) and the refresh's freshness check read it.
-- grain: newest_order_at
-- tests: not_null(newest_order_date)
with

orders as (select * from staging.stg_orders),

final as (
  select max(created_at) as newest_order_at, max(created_at)::date as newest_order_date
  from orders
  having count(*) > 0
)

select * from final
