-- One row per member known by the as-of date (joined or ordered), prospects (members without a
-- purchase) included.
-- Level: the member's level on the as-of date, the one that holds then in
-- intermediate.int_member_levels_dated (completed purchases with net value above zero, cumulative
-- or over level_window_days). Lifecycle: the first matching rule of prospect, churned (recency >
-- churned_cycles x C), sleeping, silent, then new / returning / active by occasions (1 / 2 / 3+),
-- where C is the shop cycle. The purchase history and the fallback address come from the member
-- state (int_member_occasions_summarized, int_member_latest_address), which a refresh rebuilds
-- for the members it touches; what moves with the as-of date (recency, stage) is computed here.
-- grain: member_id
-- tests: not_null(member_level, member_level_zh, lifecycle_stage, lifecycle_stage_zh, occasions); relationships(lifecycle_stage, seeds.lifecycle_stages, stage); accepted_range(city_tier, 1, 6)
with

members as (select * from staging.stg_members),

members_first_seen as (select * from intermediate.int_members_first_seen),

occasion_summary as (select * from intermediate.int_member_occasions_summarized),

latest_address as (select * from intermediate.int_member_latest_address),

as_of as (select * from intermediate.int_as_of_date_resolved),

shop_cycle as (select * from intermediate.int_shop_cycle_measured),

member_levels_dated as (select * from intermediate.int_member_levels_dated),

levels as (select * from seeds.member_levels),

region_tiers as (select * from seeds.region_tiers),

-- Exports write 杭州 as often as 杭州市: a city matches its tier by either form.
tier_names as (
  select city as city_name, city_tier, city_tier_zh from region_tiers
  union all
  select regexp_replace(city, '市$', '') as city_name, city_tier, city_tier_zh from region_tiers where city like '%市'
),

stages as (select * from seeds.lifecycle_stages),

-- Worked out once, not on each of the members without a completed purchase.
lowest_level as (select member_level(0, 0) as member_level),

member_levels as (
  select member_levels_dated.*
  from member_levels_dated
  where member_levels_dated.valid_to is null
),

combined as (
  select
    members_first_seen.member_id,
    occasion_summary.first_occasion_at as first_purchase_at,
    occasion_summary.last_occasion_at as last_purchase_at,
    coalesce(occasion_summary.occasions, 0) as occasions,
    coalesce(occasion_summary.purchases, 0) as purchases,
    coalesce(occasion_summary.revenue, 0)::decimal(18, 2) as revenue,
    money_ratio(occasion_summary.revenue, 1, occasion_summary.purchases) as aov, -- revenue per purchase (笔单价)
    occasion_summary.avg_interval_days,
    as_of.as_of_date - occasion_summary.last_occasion_date as recency_days,
    coalesce(member_levels.completed_revenue, 0) as completed_revenue,
    coalesce(member_levels.completed_purchases, 0) as completed_orders,
    -- A member without a completed purchase holds the lowest level.
    coalesce(member_levels.member_level, lowest_level.member_level) as member_level,
    coalesce(members.province, latest_address.province) as province,
    coalesce(members.city, latest_address.city) as city,
    members.joined_at,
    shop_cycle.shop_cycle_days,
    as_of.as_of_date
  from members_first_seen
  cross join as_of
  cross join shop_cycle
  cross join lowest_level
  left join members on members.member_id = members_first_seen.member_id
  left join occasion_summary on occasion_summary.member_id = members_first_seen.member_id
  left join latest_address on latest_address.member_id = members_first_seen.member_id
  left join member_levels on member_levels.member_id = members_first_seen.member_id
),

staged as (
  select
    combined.*,
    tier_names.city_tier,
    tier_names.city_tier_zh,
    lifecycle_stage(combined.occasions, combined.recency_days, combined.shop_cycle_days) as lifecycle_stage
  from combined
  left join tier_names on tier_names.city_name = combined.city
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
