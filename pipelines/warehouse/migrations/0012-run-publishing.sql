-- When a refresh passed every check and began to publish. The marts it publishes are copied then,
-- so its time to publish is the one figure the published Data page and `status` can both show
-- (marts.data_runs); the run goes on to build the site and export audiences.
create table ops.run_publishing (
  run_id bigint primary key,
  publishing_at timestamp not null
);
