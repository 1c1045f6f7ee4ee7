-- Each member's level (会员等级) over time up to the as-of date, on the days it can change:
-- intermediate.int_member_level_history cut at the as-of date. The level of such a day holds until
-- the member's next one (valid_to, exclusive; NULL while it holds on the as-of date); before its
-- first, a member holds the lowest level. level_changed marks the days it changed. Only this cut
-- depends on the as-of date, so a refresh rebuilds the history only for members whose orders
-- changed; a view, as its readers need only a filter.
-- grain: member_id, evaluated_on
-- materialized: view
with

level_history as (select * from intermediate.int_member_level_history),

as_of as (select * from intermediate.int_as_of_date_resolved),

final as (
  select
    level_history.member_id,
    level_history.evaluated_on,
    case when level_history.valid_to <= as_of.as_of_date then level_history.valid_to end as valid_to,
    level_history.member_level,
    level_history.level_rank,
    level_history.level_changed,
    level_history.completed_revenue,
    level_history.completed_purchases
  from level_history
  cross join as_of
  where level_history.evaluated_on <= as_of.as_of_date
)

select * from final
