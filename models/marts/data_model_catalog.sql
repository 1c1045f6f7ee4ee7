-- The model catalogue (Data page): every model with its description, grain, materialization,
-- upstream relations and data tests, and the rows and seconds of its newest successful build.
-- grain: model
-- materialized: view
-- tests: not_null(layer, file, tests)
with

models as (select * from ops.models),

model_runs as (select * from ops.model_runs),

builds_ranked as (
  select model, rows, seconds, row_number() over (partition by model order by run_id desc nulls last) as build_rank
  from model_runs
  where status = 'succeeded'
),

latest_builds as (
  select model, rows, seconds from builds_ranked where build_rank = 1
),

final as (
  select
    models.model,
    models.layer,
    models.description,
    models.grain,
    models.materialized,
    models.upstream,
    models.tests,
    models.file,
    latest_builds.rows,
    latest_builds.seconds
  from models
  left join latest_builds on latest_builds.model = models.model
)

select * from final
