-- Whether a refund keeps a member from coming back (the course notes: refunds and complaints
-- drive churn): every purchase occasion old enough to judge (at least maturity_days before the
-- as-of date), by whether it was partly refunded (an order of it with a refund), and the share
-- followed by the member's next occasion within maturity_days (NULL over fewer than
-- min_rate_members occasions). previous_purchase_label (中文 English) is code set previous_purchase
-- of seeds/code_labels.csv.
-- grain: previous_purchase
-- tests: accepted_values(previous_purchase, 'partly_refunded', 'not_refunded'); accepted_range(repurchase_rate, 0, 1); not_null(previous_purchase_label)
with

occasions as (select * from intermediate.int_purchase_occasions),

as_of as (select * from intermediate.int_as_of_date_resolved),

code_labels as (select * from intermediate.int_code_labels where code_set = 'previous_purchase'),

followed as (
  select
    case when occasions.partly_refunded_orders > 0 then 'partly_refunded' else 'not_refunded' end as previous_purchase,
    lead(occasions.occasion_date) over (partition by occasions.member_id order by occasions.occasion_number) - occasions.occasion_date as days_to_next,
    old_enough_to_judge(occasions.occasion_date, as_of.as_of_date) as is_judged
  from occasions
  cross join as_of
),

by_purchase as (
  select
    previous_purchase,
    count(*) as occasions,
    count(*) filter (where next_purchase_in_time(days_to_next)) as repurchased,
    rate_over(count(*) filter (where next_purchase_in_time(days_to_next)), count(*)) as repurchase_rate
  from followed
  where is_judged
  group by previous_purchase
),

final as (
  select
    by_purchase.*,
    code_labels.label as previous_purchase_label
  from by_purchase
  left join code_labels on code_labels.code = by_purchase.previous_purchase
)

select * from final
