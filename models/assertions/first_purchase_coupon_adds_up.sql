-- The first-purchase coupon groups split the shop's buyers and its second-purchase rate: their
-- buyers, judged buyers and second purchasers add up to kpi_overview's.
with

groups as (select * from marts.first_purchase_coupon),

overview as (select * from marts.kpi_overview),

totals as (
  select sum(buyers) as buyers, sum(judged_buyers) as judged_buyers, sum(second_purchasers) as second_purchasers
  from groups
)

select totals.*, overview.buyers as overview_buyers, overview.matured_new_buyers, overview.second_purchasers as overview_second_purchasers
from totals
cross join overview
where totals.buyers <> overview.buyers
   or totals.judged_buyers <> coalesce(overview.matured_new_buyers, 0)
   or totals.second_purchasers <> coalesce(overview.second_purchasers, 0)
