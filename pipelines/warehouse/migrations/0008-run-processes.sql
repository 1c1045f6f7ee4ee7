-- The process of each run, so that a run left 'running' by a process that died is told from one
-- still going. A table of its own rather than columns of ops.runs: DuckDB 1.5 cannot replay from
-- its log a column added to a table with a nextval default (duckdb/duckdb#18259).
create table ops.run_processes (
  run_id bigint primary key,
  pid bigint not null,
  host varchar not null
);
