-- What the published marts and site were computed from, so that a refresh with nothing new can
-- leave them standing instead of recomputing the same numbers.
create table ops.published (
  target varchar primary key, -- marts | site
  fingerprint varchar not null,
  run_id bigint not null,
  published_at timestamp not null
);
