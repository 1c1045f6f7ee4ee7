-- The run log as the first release made it; later changes are the migrations after this one.
create schema if not exists ops;
create schema if not exists raw;
create schema if not exists seeds;
create schema if not exists staging;
create schema if not exists intermediate;
create schema if not exists marts;

create sequence ops.run_id_seq;
create sequence ops.file_id_seq;

create table ops.runs (
  run_id bigint primary key default nextval('ops.run_id_seq'),
  command varchar not null,
  started_at timestamp not null,
  finished_at timestamp,
  status varchar not null, -- running | publishing | succeeded | failed | held (the publish guard) | interrupted (its process died)
  message varchar
);

create table ops.model_runs (
  run_id bigint not null,
  model varchar not null,
  materialized varchar not null,
  status varchar not null, -- succeeded | failed | skipped
  rows bigint,
  seconds double,
  message varchar,
  finished_at timestamp not null
);

create table ops.test_results (
  run_id bigint not null,
  model varchar not null,
  test varchar not null,
  status varchar not null, -- pass | warn | fail | error
  failing_rows bigint,
  message varchar,
  sample_rows varchar, -- json, a few failing rows
  finished_at timestamp not null
);

create table ops.loaded_files (
  file_id bigint primary key default nextval('ops.file_id_seq'),
  content_hash varchar not null unique,
  path varchar not null,
  table_name varchar not null,
  format varchar not null,
  rows_read bigint not null,
  rows_loaded bigint not null,
  rows_quarantined bigint not null,
  run_id bigint,
  loaded_at timestamp not null
);

create table ops.quarantine (
  file_id bigint not null,
  path varchar not null,
  table_name varchar not null,
  line bigint, -- line in the file (CSV: counting the header), record number for other formats
  reason varchar not null,
  record varchar, -- the row as read, json
  quarantined_at timestamp not null
);
