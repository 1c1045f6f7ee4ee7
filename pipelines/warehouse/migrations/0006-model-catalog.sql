-- The model catalogue as of the last build: what each model is, reads and is tested for. Written
-- in the transaction that puts the build in place; marts.data_model_catalog shows it on the Data page.
create table ops.models (
  model varchar primary key,
  layer varchar not null,
  description varchar not null,
  grain varchar not null,
  materialized varchar not null,
  upstream varchar not null, -- comma separated
  tests varchar not null, -- the grain tests and the header's tests, semicolon separated
  file varchar not null
);
