-- What the marts were computed by, the data aside (parameters, models, assertions, seeds, member
-- salt): the publish guard compares a new build only with marts of the same.
alter table ops.published add column definitions varchar;

-- The publish guard (pipelines/publish/publish-guard.sql): every figure of a refresh that moved
-- beyond its limit in seeds/publish_guards.csv since the published marts, held (the previous marts
-- and site stand; the run ends 'held') or accepted (refresh --accept-changes published it).
create table ops.publish_holds (
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
