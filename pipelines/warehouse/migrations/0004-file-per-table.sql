-- One file may feed several tables (a Shopify export): a content hash is unique per table. DuckDB
-- cannot drop a constraint, so the table is made anew; the files loaded before keep their ids.
alter table ops.loaded_files rename to loaded_files_before;

create table ops.loaded_files (
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
  unique (content_hash, table_name)
);

insert into ops.loaded_files select * from ops.loaded_files_before;
drop table ops.loaded_files_before;
