-- The purchase-count ladder (复购阶梯): for step n = 1..N (N = ladder_steps; the last step is
-- "N+"), how many members reached n occasions and how many went on to n+1.
-- Variant naive counts all members, as the course notes do. Variant matured counts only members
-- whose n-th occasion is at least maturity_days before the as-of date, and an (n+1)-th only within
-- maturity_days of the n-th, so members too recent to judge are left out, not counted as "no".
-- The conversion is NULL where fewer than min_rate_members reached n (3 of 3 is no finding).
-- The median days to next are among the members counted as going on. The revenue share at n is
-- the share of all net revenue from members whose total count is n (at step N: N or more).
-- The variant_label is the variant's label (seeds/code_labels.csv).
-- grain: variant, step_n
-- tests: accepted_values(variant, 'naive', 'matured'); accepted_range(conversion, 0, 1); not_null(reached_n, reached_next, step_label)
with

occasions as (select * from intermediate.int_purchase_occasions),

as_of as (select * from intermediate.int_as_of_date_resolved),

code_labels as (select * from intermediate.int_code_labels where code_set = 'ladder_variant'),

steps as (
  select step_n from generate_series(1, getvariable('ladder_steps')) as ladder(step_n)
),

member_counts as (
  select member_id, count(*) as occasions, sum(revenue) as revenue
  from occasions
  group by member_id
),

transitions as (
  select
    occasions.member_id,
    least(occasions.occasion_number, getvariable('ladder_steps')) as step_n,
    occasions.occasion_number,
    occasions.occasion_date,
    lead(occasions.occasion_date) over (partition by occasions.member_id order by occasions.occasion_number) - occasions.occasion_date as days_to_next,
    old_enough_to_judge(occasions.occasion_date, as_of.as_of_date) as is_matured
  from occasions
  cross join as_of
),

-- A member counts once per step: at step N ("N+") through its N-th occasion.
step_members as (
  select * from transitions
  where occasion_number = step_n
),

naive as (
  select
    'naive' as variant,
    step_n,
    count(*) as reached_n,
    count(days_to_next) as reached_next,
    percentile_cont(0.5) within group (order by days_to_next) as median_days_to_next
  from step_members
  group by step_n
),

matured as (
  select
    'matured' as variant,
    step_n,
    count(*) as reached_n,
    count(*) filter (where next_purchase_in_time(days_to_next)) as reached_next,
    percentile_cont(0.5) within group (order by days_to_next) filter (where next_purchase_in_time(days_to_next)) as median_days_to_next
  from step_members
  where is_matured
  group by step_n
),

revenue_by_count as (
  select
    least(occasions, getvariable('ladder_steps')) as step_n,
    sum(revenue)::float8 / sum(sum(revenue)) over () as revenue_share_at_n
  from member_counts
  group by 1
),

variants as (
  select * from naive
  union all
  select * from matured
),

final as (
  select
    variant_names.variant,
    coalesce(code_labels.label, variant_names.variant) as variant_label,
    steps.step_n,
    case when steps.step_n = getvariable('ladder_steps') then steps.step_n || '+' else steps.step_n::varchar end as step_label,
    coalesce(variants.reached_n, 0) as reached_n,
    coalesce(variants.reached_next, 0) as reached_next,
    rate_over(coalesce(variants.reached_next, 0), coalesce(variants.reached_n, 0)) as conversion,
    variants.median_days_to_next, -- days
    coalesce(revenue_by_count.revenue_share_at_n, 0)::float8 as revenue_share_at_n
  from steps
  cross join (values ('naive'), ('matured')) as variant_names(variant)
  left join variants on variants.variant = variant_names.variant and variants.step_n = steps.step_n
  left join revenue_by_count on revenue_by_count.step_n = steps.step_n
  left join code_labels on code_labels.code = variant_names.variant
)

select * from final
