-- P(alive) of the members with a repeat occasion, by lifecycle stage, in the p_alive bands of
-- seeds/bands.csv (lower bound inclusive, upper exclusive): where the stage rules and the
-- forecast (P(alive) of the model p_alive_model, MBG/NBD by default) disagree (the Members page).
-- Members without a repeat occasion are left out, as the page's chart says: under BG/NBD their
-- P(alive) is 1 by construction (see member_forecast_summary for their count and mean). Every
-- stage and band appears, empty ones with zero; share = the band's share of the stage's members
-- with a P(alive).
-- grain: lifecycle_stage, band
-- tests: not_null(members, stage_order, band_order)
with

member_forecast as (select * from marts.member_forecast),

member_facts as (select * from marts.member_facts),

stages as (select * from seeds.lifecycle_stages),

bands as (select * from seeds.bands),

repeat_buyers as (
  select member_facts.lifecycle_stage, member_forecast.p_alive
  from member_forecast
  inner join member_facts on member_facts.member_id = member_forecast.member_id
  where member_forecast.x > 0 and member_forecast.p_alive is not null
),

banded as (
  select
    stages.stage as lifecycle_stage,
    stages.stage_zh as lifecycle_stage_zh,
    stages.stage_order,
    bands.band,
    bands.band_order,
    count(repeat_buyers.p_alive) as members
  from stages
  cross join bands
  left join repeat_buyers
    on repeat_buyers.lifecycle_stage = stages.stage
   and (bands.lower_bound is null or repeat_buyers.p_alive >= bands.lower_bound)
   and (bands.upper_bound is null or repeat_buyers.p_alive < bands.upper_bound)
  where bands.dimension = 'p_alive'
  group by stages.stage, stages.stage_zh, stages.stage_order, bands.band, bands.band_order
),

final as (
  select
    *,
    coalesce(members / nullif(sum(members) over (partition by lifecycle_stage), 0), 0) as share
  from banded
)

select * from final
