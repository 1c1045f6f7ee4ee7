-- One row per campaign and member: treatment members were contacted, control members were
-- selected and held out. A later row for the same campaign and member replaces the earlier one.
-- grain: campaign_id, member_id
-- materialized: table
-- tests: accepted_values(arm, 'treatment', 'control'); not_null(contacted_at, delivered); relationships(campaign_id, staging.stg_campaigns, campaign_id)
with

contacts as (select * from raw.campaign_contacts),

ranked as (
  select
    *,
    row_number() over (partition by campaign_id, member_id order by _file_id desc nulls last, _line desc nulls last) as latest_rank
  from contacts
),

latest as (
  select campaign_id, member_id, contacted_at, arm, delivered
  from ranked
  where latest_rank = 1
),

final as (
  select
    campaign_id,
    member_key(member_id) as member_id,
    contacted_at,
    lower(trim(arm)) as arm,
    -- Control members are never sent anything; a treatment row without the flag counts as delivered.
    case when lower(trim(arm)) = 'control' then false else coalesce(delivered, true) end as delivered
  from latest
)

select * from final
