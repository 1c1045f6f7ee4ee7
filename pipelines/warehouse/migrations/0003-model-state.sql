-- How each model was built, and where each model stands: what it was computed with (for a table or
-- view, with the state of every relation it reads) and, for an incremental one, the newest file it has seen.
alter table ops.model_runs add column mode varchar; -- full | incremental | unchanged
alter table ops.model_runs add column changed_keys bigint; -- incremental: key values rebuilt

create table ops.model_state (
  model varchar primary key,
  fingerprint varchar not null,
  watermark bigint not null, -- file_id of ops.loaded_files; 0 for a table or view
  built_at timestamp not null
);
