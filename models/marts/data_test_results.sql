-- The data tests of the newest run that ran any (Data page): when the marts are published, the
-- publishing refresh's model tests, assertions and freshness check.
-- grain: model, test
-- materialized: view
-- tests: accepted_values(status, 'pass', 'warn', 'fail', 'error')
with

test_results as (select * from ops.test_results),

final as (
  select model, test, status, failing_rows
  from test_results
  where run_id = (select max(run_id) from test_results)
)

select * from final
