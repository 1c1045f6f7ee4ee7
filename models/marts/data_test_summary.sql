-- The data tests of the publishing run in one line (Data page): how many passed, how many only
-- warn (a freshness warning is no failure) and how many failed, of all.
-- grain: tests
-- materialized: view
-- tests: not_null(passed, warnings, failed)
with

test_results as (select * from marts.data_test_results),

final as (
  select
    count(*) as tests,
    count(*) filter (where status = 'pass') as passed,
    count(*) filter (where status = 'warn') as warnings,
    count(*) filter (where status in ('fail', 'error')) as failed
  from test_results
)

select * from final
