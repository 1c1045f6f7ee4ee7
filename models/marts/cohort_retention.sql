-- Cohorts by the month of a member's first purchase occasion. For each month offset k from 0 up
-- to the as-of month (later offsets are absent, not zero): members with an occasion in month k,
-- members with a second occasion by the end of month k (or the as-of date), and net revenue in
-- month k, each also per cohort member. is_complete: month k has ended by the as-of date (its last
-- day is on or before it); the cells of the as-of month, a whole diagonal, are partial, and the
-- Cohorts page leaves them out rather than show them beside whole months.
-- grain: cohort_month, month_offset
-- tests: accepted_range(active_share, 0, 1); accepted_range(cumulative_repurchase_share, 0, 1); not_null(cohort_size)
with

occasions as (select * from intermediate.int_purchase_occasions),

first_purchases as (select * from intermediate.int_member_first_purchases),

as_of as (select * from intermediate.int_as_of_date_resolved),

member_cohorts as (
  select member_id, first_month as cohort_month, second_date as second_occasion_date
  from first_purchases
),

cohort_sizes as (
  select cohort_month, count(*) as cohort_size
  from member_cohorts
  group by cohort_month
),

offsets as (
  select
    cohort_sizes.cohort_month,
    cohort_sizes.cohort_size,
    month_offset,
    (cohort_sizes.cohort_month + month_offset * interval '1 month')::date as activity_month
  from cohort_sizes
  cross join as_of
  cross join generate_series(0, date_diff('month', cohort_sizes.cohort_month, as_of.as_of_date)) as months(month_offset)
),

activity as (
  select
    member_cohorts.cohort_month,
    date_trunc('month', occasions.occasion_date)::date as activity_month,
    count(distinct occasions.member_id) as active_members,
    sum(occasions.revenue) as revenue
  from occasions
  inner join member_cohorts on member_cohorts.member_id = occasions.member_id
  group by 1, 2
),

repurchased as (
  select
    offsets.cohort_month,
    offsets.month_offset,
    count(member_cohorts.second_occasion_date) as repurchased_members
  from offsets
  left join member_cohorts
    on member_cohorts.cohort_month = offsets.cohort_month
   and member_cohorts.second_occasion_date < offsets.activity_month + interval '1 month'
  group by 1, 2
),

final as (
  select
    offsets.cohort_month,
    offsets.month_offset,
    offsets.activity_month,
    last_day(offsets.activity_month) <= as_of.as_of_date as is_complete,
    offsets.cohort_size,
    coalesce(activity.active_members, 0) as active_members,
    coalesce(activity.active_members, 0)::float8 / offsets.cohort_size as active_share,
    repurchased.repurchased_members,
    repurchased.repurchased_members::float8 / offsets.cohort_size as cumulative_repurchase_share,
    coalesce(activity.revenue, 0)::decimal(18, 2) as revenue,
    money_ratio(coalesce(activity.revenue, 0), 1, offsets.cohort_size) as revenue_per_member
  from offsets
  cross join as_of
  inner join repurchased on repurchased.cohort_month = offsets.cohort_month and repurchased.month_offset = offsets.month_offset
  left join activity on activity.cohort_month = offsets.cohort_month and activity.activity_month = offsets.activity_month
)

select * from final
