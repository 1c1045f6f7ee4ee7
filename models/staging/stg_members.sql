-- One row per member in its latest known profile, keyed by the salted hash of the buyer id.
-- grain: member_id
-- materialized: table
with

members as (select * from raw.members),

ranked as (
  select
    *,
    row_number() over (partition by member_id order by _file_id desc nulls last, _line desc nulls last) as latest_rank
  from members
),

latest as (
  select member_id, joined_at, gender, birth_year, province, city, source
  from ranked
  where latest_rank = 1
),

final as (
  select
    member_key(member_id) as member_id,
    joined_at,
    gender,
    birth_year,
    nullif(trim(province), '') as province,
    nullif(trim(city), '') as city,
    source
  from latest
)

select * from final
