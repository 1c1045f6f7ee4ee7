-- The Overview's headline figures, all time up to the as-of date: buyers (members with an
-- occasion), repeat buyers (two or more occasions) and their share (复购率, the course notes'
-- "46% of members repurchase"), net revenue and revenue per buyer (人均贡献), the second-purchase
-- rate (二次购买率) over every new buyer old enough to judge, and the trailing repurchase rate of
-- the as-of month (kpi_monthly.repurchase_rate_12m).
-- grain: as_of_date
-- tests: not_null(buyers, repeat_buyers, revenue); accepted_range(repeat_buyer_share, 0, 1); accepted_range(second_purchase_rate, 0, 1)
with

member_facts as (select * from marts.member_facts),

kpi_monthly as (select * from marts.kpi_monthly),

as_of as (select * from intermediate.int_as_of_date_resolved),

buyers as (
  select
    count(*) filter (where occasions >= 1) as buyers,
    count(*) filter (where occasions >= 2) as repeat_buyers,
    coalesce(sum(revenue), 0) as revenue
  from member_facts
),

second_purchases as (
  select
    sum(matured_new_buyers) as matured_new_buyers,
    sum(second_purchasers) as second_purchasers
  from kpi_monthly
),

as_of_month as (
  select repurchase_rate_12m
  from kpi_monthly
  cross join as_of
  where kpi_monthly.month = date_trunc('month', as_of.as_of_date)
),

final as (
  select
    as_of.as_of_date,
    buyers.buyers,
    buyers.repeat_buyers,
    buyers.repeat_buyers::float8 / nullif(buyers.buyers, 0) as repeat_buyer_share, -- 复购率
    buyers.revenue::decimal(18, 2) as revenue,
    money_ratio(buyers.revenue, 1, buyers.buyers) as revenue_per_buyer, -- 人均贡献
    second_purchases.matured_new_buyers,
    second_purchases.second_purchasers,
    second_purchases.second_purchasers::float8 / nullif(second_purchases.matured_new_buyers, 0) as second_purchase_rate, -- 二次购买率
    as_of_month.repurchase_rate_12m
  from as_of
  cross join buyers
  cross join second_purchases
  left join as_of_month on true
)

select * from final
