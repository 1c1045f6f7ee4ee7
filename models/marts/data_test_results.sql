-- The data tests of the newest run that ran any (Data page): when the marts are published, the
-- publishing refresh's model tests, assertions and freshness check, with the status's label
-- (seeds/code_labels.csv).
-- grain: model, test
-- materialized: view
-- tests: accepted_values(status, 'pass', 'warn', 'fail', 'error')
with

test_results as (select * from ops.test_results),

code_labels as (select * from intermediate.int_code_labels where code_set = 'test_status'),

final as (
  select test_results.model, test_results.test, test_results.status, coalesce(code_labels.label, test_results.status) as status_label, test_results.failing_rows
  from test_results
  left join code_labels on code_labels.code = test_results.status
  where test_results.run_id = (select max(run_id) from test_results)
)

select * from final
