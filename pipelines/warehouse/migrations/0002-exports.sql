-- The audience exports, each with its recorded control group.
create sequence ops.export_id_seq;

create table ops.exports (
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
