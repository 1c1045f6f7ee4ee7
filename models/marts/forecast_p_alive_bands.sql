-- P(alive) of the buyers by lifecycle stage, in the p_alive bands of seeds/bands.csv (lower bound
-- inclusive, upper exclusive): where the stage rules and the forecast (P(alive) of the model
-- member_forecast.p_alive_model names, MBG/NBD by default) disagree (the Lifecycle page). Under
-- MBG/NBD every buyer counts; under BG/NBD members without a repeat occasion are left out, as the
-- page says, because their P(alive) is 1 by construction (member_forecast_summary has their
-- count). Every stage and band appears, empty ones with zero; share = the band's share of the
-- stage's members counted, stage_members their number (0: the page leaves the stage out);
-- stage_label (中文 English) is the stage's label of intermediate.int_code_labels.
-- grain: lifecycle_stage, band
-- tests: not_null(members, stage_members, stage_label, stage_order, band_order)
with

member_forecast as (select * from marts.member_forecast),

member_facts as (select * from marts.member_facts),

stages as (select * from seeds.lifecycle_stages),

bands as (select * from seeds.bands),

code_labels as (select * from intermediate.int_code_labels where code_set = 'stage'),

counted as (
  select member_facts.lifecycle_stage, member_forecast.p_alive
  from member_forecast
  inner join member_facts on member_facts.member_id = member_forecast.member_id
  where member_forecast.p_alive is not null and (member_forecast.x > 0 or member_forecast.p_alive_model = 'mbgnbd')
),

banded as (
  select
    stages.stage as lifecycle_stage,
    stages.stage_zh as lifecycle_stage_zh,
    code_labels.label as stage_label,
    stages.stage_order,
    bands.band,
    bands.band_order,
    count(counted.p_alive) as members
  from stages
  cross join bands
  left join code_labels on code_labels.code = stages.stage
  left join counted
    on counted.lifecycle_stage = stages.stage
   and (bands.lower_bound is null or counted.p_alive >= bands.lower_bound)
   and (bands.upper_bound is null or counted.p_alive < bands.upper_bound)
  where bands.dimension = 'p_alive'
  group by stages.stage, stages.stage_zh, code_labels.label, stages.stage_order, bands.band, bands.band_order
),

final as (
  select
    *,
    sum(members) over (partition by lifecycle_stage) as stage_members,
    coalesce(members::float8 / nullif(sum(members) over (partition by lifecycle_stage), 0), 0) as share
  from banded
)

select * from final
