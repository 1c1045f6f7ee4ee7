-- One row per member known by the as-of date (joined or ordered), prospects (members without a
-- purchase) included.
-- Level: the highest rule of seeds/member_levels.csv met by cumulative completed (交易成功)
-- purchases (net value above zero, purchased by the as-of date), by net revenue or by count. Lifecycle: the first matching rule of
-- prospect, churned (recency > churned_cycles x C), sleeping, silent, then new / returning /
-- active by occasions (1 / 2 / 3+), where C is the shop cycle.
-- grain: member_id
-- tests: not_null(member_level, member_level_zh, lifecycle_stage, lifecycle_stage_zh, occasions); relationships(lifecycle_stage, seeds.lifecycle_stages, stage); accepted_range(city_tier, 1, 5)
with

members as (select * from staging.stg_members),

members_first_seen as (select * from intermediate.int_members_first_seen),

orders as (select * from staging.stg_orders),

occasions as (select * from intermediate.int_purchase_occasions),

as_of as (select * from intermediate.int_as_of_date_resolved),

shop_cycle as (select * from intermediate.int_shop_cycle_measured),

levels as (select * from seeds.member_levels),

region_tiers as (select * from seeds.region_tiers),

stages as (select * from seeds.lifecycle_stages),

orders_to_date as (
  select orders.*
  from orders
  cross join as_of
  where orders.created_at::date <= as_of.as_of_date
),

occasion_summary as (
  select
    member_id,
    min(occasion_at) as first_purchase_at,
    max(occasion_at) as last_purchase_at,
    count(*) as occasions,
    sum(orders) as purchases,
    sum(revenue) as revenue, -- net of refunds
    avg(days_since_previous) as avg_interval_days
  from occasions
  group by member_id
),

completed_orders as (
  select
    orders.member_id,
    sum(orders.net_amount) as completed_revenue,
    count(*) as completed_orders
  from orders
  cross join as_of
  where orders.is_purchase and orders.status = 'completed' and orders.purchased_at::date <= as_of.as_of_date
  group by orders.member_id
),

latest_address as (
  select member_id, province, city
  from orders_to_date
  where city is not null
  qualify row_number() over (partition by member_id order by created_at desc, order_id desc) = 1
),

member_levels as (
  select
    members_first_seen.member_id,
    max_by(levels.level, levels.level_rank) as member_level
  from members_first_seen
  left join completed_orders on completed_orders.member_id = members_first_seen.member_id
  inner join levels
    on coalesce(completed_orders.completed_revenue, 0) >= levels.min_revenue
    or coalesce(completed_orders.completed_orders, 0) >= levels.min_purchases
  group by members_first_seen.member_id
),

combined as (
  select
    members_first_seen.member_id,
    occasion_summary.first_purchase_at,
    occasion_summary.last_purchase_at,
    coalesce(occasion_summary.occasions, 0) as occasions,
    coalesce(occasion_summary.purchases, 0) as purchases,
    coalesce(occasion_summary.revenue, 0)::decimal(18, 2) as revenue,
    (occasion_summary.revenue / nullif(occasion_summary.purchases, 0))::decimal(18, 2) as aov, -- revenue per purchase (笔单价)
    occasion_summary.avg_interval_days,
    as_of.as_of_date - occasion_summary.last_purchase_at::date as recency_days,
    coalesce(completed_orders.completed_revenue, 0)::decimal(18, 2) as completed_revenue,
    coalesce(completed_orders.completed_orders, 0) as completed_orders,
    member_levels.member_level,
    coalesce(members.province, latest_address.province) as province,
    coalesce(members.city, latest_address.city) as city,
    members.joined_at,
    shop_cycle.shop_cycle_days,
    as_of.as_of_date
  from members_first_seen
  cross join as_of
  cross join shop_cycle
  left join members on members.member_id = members_first_seen.member_id
  left join occasion_summary on occasion_summary.member_id = members_first_seen.member_id
  left join completed_orders on completed_orders.member_id = members_first_seen.member_id
  left join latest_address on latest_address.member_id = members_first_seen.member_id
  left join member_levels on member_levels.member_id = members_first_seen.member_id
),

staged as (
  select
    combined.*,
    region_tiers.city_tier,
    lifecycle_stage(combined.occasions, combined.recency_days, combined.shop_cycle_days) as lifecycle_stage
  from combined
  left join region_tiers on region_tiers.city = combined.city
),

final as (
  select
    staged.*,
    levels.level_zh as member_level_zh,
    stages.stage_zh as lifecycle_stage_zh
  from staged
  left join levels on levels.level = staged.member_level
  left join stages on stages.stage = staged.lifecycle_stage
)

select * from final
