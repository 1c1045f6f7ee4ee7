-- Does a coupon on the first purchase bring buyers back? Buyers by their first purchase occasion:
-- with a coupon (首单用券: an order of it with a coupon code) or without (首单未用券), each with the
-- shop's second-purchase rate (二次购买率, as kpi_monthly: int_member_first_purchases and the
-- macros old_enough_to_judge and next_purchase_in_time): among buyers whose first occasion is at
-- least maturity_days before the as-of date (judged_buyers), the share whose second came within
-- maturity_days of it; NULL when
-- fewer than min_rate_members (a column too, for the page's note) are judged. The two rows add up
-- to kpi_overview's buyers, matured_new_buyers and second_purchasers. The groups and their labels
-- (first_purchase_label: 中文 English) are code set first_purchase of seeds/code_labels.csv.
-- grain: first_purchase
-- tests: accepted_values(first_purchase, 'coupon', 'no_coupon'); not_null(first_purchase_label, buyers, judged_buyers, second_purchasers); accepted_range(second_purchase_rate, 0, 1)
with

first_purchases as (select * from intermediate.int_member_first_purchases),

as_of as (select * from intermediate.int_as_of_date_resolved),

code_labels as (select * from intermediate.int_code_labels),

-- The two groups and their labels: code set first_purchase of seeds/code_labels.csv.
groups as (
  select code as first_purchase, label_zh as first_purchase_zh, label as first_purchase_label, code_order as first_purchase_order
  from code_labels
  where code_set = 'first_purchase'
),

by_group as (
  select
    case when first_purchases.first_used_coupon then 'coupon' else 'no_coupon' end as first_purchase,
    count(*) as buyers,
    count(*) filter (where old_enough_to_judge(first_purchases.first_date, as_of.as_of_date)) as judged_buyers,
    count(*) filter (
      where old_enough_to_judge(first_purchases.first_date, as_of.as_of_date)
        and next_purchase_in_time(first_purchases.second_date - first_purchases.first_date)
    ) as second_purchasers
  from first_purchases
  cross join as_of
  group by 1
),

final as (
  select
    groups.first_purchase,
    groups.first_purchase_zh,
    groups.first_purchase_label,
    groups.first_purchase_order,
    coalesce(by_group.buyers, 0) as buyers,
    coalesce(by_group.buyers, 0)::float8 / nullif(sum(coalesce(by_group.buyers, 0)) over (), 0) as buyer_share,
    coalesce(by_group.judged_buyers, 0) as judged_buyers,
    coalesce(by_group.second_purchasers, 0) as second_purchasers,
    rate_over(coalesce(by_group.second_purchasers, 0), coalesce(by_group.judged_buyers, 0)) as second_purchase_rate,
    coalesce(getvariable('min_rate_members'), 0) as min_rate_members
  from groups
  left join by_group on by_group.first_purchase = groups.first_purchase
)

select * from final
