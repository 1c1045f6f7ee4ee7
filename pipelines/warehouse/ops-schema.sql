-- The run log. Created idempotently at every open; columns are only ever added.
create schema if not exists ops;
create schema if not exists raw;
create schema if not exists seeds;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists marts;

create sequence if not exists ops.run_id_seq;
create sequence if not exists ops.file_id_seq;

create table if not exists ops.runs (
  run_id bigint primary key default nextval('ops.run_id_seq'),
  command varchar not null,
  started_at timestamp not null,
  finished_at timestamp,
  status varchar not null, -- running | publishing | succeeded | failed | held (the publish guard) | interrupted (its process died)
  message varchar
);

-- The process of each run, so that a run left 'running' by a process that died is told from one
-- still going. A table of its own rather than columns of ops.runs: DuckDB 1.5 cannot replay from
-- its log a column added to a table with a nextval default (duckdb/duckdb#18259).
create table if not exists ops.run_processes (
  run_id bigint primary key,
  pid bigint not null,
  host varchar not null
);

-- When a refresh passed every check and began to publish. The marts it publishes are copied then,
-- so its time to publish is the one figure the published Data page and `status` can both show
-- (marts.data_runs); the run goes on to build the site and export audiences.
create table if not exists ops.run_publishing (
  run_id bigint primary key,
  publishing_at timestamp not null
);

create table if not exists ops.model_runs (
  run_id bigint not null,
  model varchar not null,
  materialized varchar not null,
  status varchar not null, -- succeeded | failed | skipped
  rows bigint,
  seconds double,
  message varchar,
  finished_at timestamp not null
);

-- Added after the first release: how each model was built.
alter table ops.model_runs add column if not exists mode varchar; -- full | incremental | unchanged
alter table ops.model_runs add column if not exists changed_keys bigint; -- incremental: key values rebuilt

-- Where each model stands: what it was computed with (for a table or view, with the state of every
-- relation it reads) and, for an incremental one, the newest file it has seen.
create table if not exists ops.model_state (
  model varchar primary key,
  fingerprint varchar not null,
  watermark bigint not null, -- file_id of ops.loaded_files; 0 for a table or view
  built_at timestamp not null
);

create table if not exists ops.test_results (
  run_id bigint not null,
  model varchar not null,
  test varchar not null,
  status varchar not null, -- pass | warn | fail | error
  failing_rows bigint,
  message varchar,
  sample_rows varchar, -- json, a few failing rows
  finished_at timestamp not null
);

create table if not exists ops.loaded_files (
  file_id bigint primary key default nextval('ops.file_id_seq'),
  content_hash varchar not null,
  path varchar not null,
  table_name varchar not null,
  format varchar not null,
  rows_read bigint not null,
  rows_loaded bigint not null,
  rows_quarantined bigint not null,
  run_id bigint,
  loaded_at timestamp not null,
  unique (content_hash, table_name) -- one file may feed several tables (a Shopify export)
);

-- Added later: records of a mapped file that no table of its mapping takes (a `rows` condition
-- leaves them out), counted on the file's first table like its unreadable lines, so that on every
-- row rows_read = rows_loaded + rows_quarantined + rows_skipped.
alter table ops.loaded_files add column if not exists rows_skipped bigint default 0;
alter table ops.loaded_files add column if not exists skip_reason varchar; -- NULL when none skipped

create table if not exists ops.quarantine (
  file_id bigint not null,
  path varchar not null,
  table_name varchar not null,
  line bigint, -- line in the file (CSV: counting the header), record number for other formats
  reason varchar not null,
  record varchar, -- the row as read, json
  quarantined_at timestamp not null
);

-- Added later: the reason as published (marts.data_quarantine): the column and the kind of
-- problem, never a value, which may be personal data (a phone number in a wrong column). Rows
-- quarantined before it get their reason with the quoted values cut out.
alter table ops.quarantine add column if not exists public_reason varchar;
update ops.quarantine set public_reason = regexp_replace(reason, '(?s)([a-z_]+): ''.*?'' is not a ', '\1 is not a ', 'g')
where public_reason is null;

create sequence if not exists ops.export_id_seq;

create table if not exists ops.exports (
  export_id bigint primary key default nextval('ops.export_id_seq'),
  campaign_id varchar not null,
  path varchar not null,
  format varchar not null,
  filters varchar not null, -- json
  control_fraction double not null,
  rows bigint not null,
  control_rows bigint not null,
  exported_at timestamp not null
);

-- Added later: the guards of each export and the automation rules. rows counts both files;
-- guards (json) how many members each guard removed and how many went to the control file, whose
-- path is control_path (the channel file at path holds the treatment arm only). A rule's export
-- (rule set, run_id the run that ran it) that failed has status 'failed', its message, and no file.
alter table ops.exports add column if not exists status varchar default 'exported'; -- exported | failed
alter table ops.exports add column if not exists message varchar;
alter table ops.exports add column if not exists rule varchar; -- seeds/audience_rules.csv; NULL: by hand
alter table ops.exports add column if not exists run_id bigint;
alter table ops.exports add column if not exists channel varchar;
alter table ops.exports add column if not exists sent_at timestamp;
alter table ops.exports add column if not exists matched bigint; -- members matching the filters, before the guards
alter table ops.exports add column if not exists guards varchar; -- json
alter table ops.exports add column if not exists control_path varchar;

-- What the published marts and site were computed from, so that a refresh with nothing new can
-- leave them standing instead of recomputing the same numbers.
create table if not exists ops.published (
  target varchar primary key, -- marts | site
  fingerprint varchar not null,
  run_id bigint not null,
  published_at timestamp not null
);

-- Added later: what the marts were computed by, the data aside (parameters, models, assertions,
-- seeds, member salt). The publish guard compares a new build only with marts of the same.
alter table ops.published add column if not exists definitions varchar;

-- The publish guard (pipelines/publish/publish-guard.sql): every figure of a refresh that moved
-- beyond its limit in seeds/publish_guards.csv since the published marts, held (the previous marts
-- and site stand; the run ends 'held') or accepted (refresh --accept-changes published it).
create table if not exists ops.publish_holds (
  run_id bigint not null,
  action varchar not null, -- held | accepted
  mart varchar not null, -- kpi_monthly (a closed month) | kpi_overview (the headline)
  figure varchar not null, -- a column of the mart
  month date, -- the closed month; NULL for the headline
  before_value double, -- published
  after_value double, -- this build
  change double, -- relative (0.1: +10%) or in points of a share (0.1: +10 points), as unit says; NULL: from 0
  unit varchar not null, -- relative | points
  threshold double not null, -- the limit it crossed, in the same unit
  summary varchar not null, -- in words: 'revenue of 2026-09 rose 10.0% (1000 → 1100; more than 2% holds)'
  files varchar, -- the files loaded since the marts were published, with their runs
  recorded_at timestamp not null
);

-- The model catalogue as of the last build: what each model is, reads and is tested for. Written
-- in the transaction that puts the build in place; marts.data_model_catalog shows it on the Data page.
create table if not exists ops.models (
  model varchar primary key,
  layer varchar not null,
  description varchar not null,
  grain varchar not null,
  materialized varchar not null,
  upstream varchar not null, -- comma separated
  tests varchar not null, -- the grain tests and the header's tests, semicolon separated
  file varchar not null
);
