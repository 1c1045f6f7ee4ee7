-- The DuckDB functions that models may call (portable-sql.ts, compatibilityFunctions) and that
-- PostgreSQL lacks or spells otherwise, each with DuckDB's meaning; and the macros whose DuckDB body
-- cannot be written portably, as functions of the same name. Created in schema duckdb_compat,
-- which the build puts first on the search path. The dual-engine test holds each to DuckDB's
-- results on the sample shop.

create schema if not exists duckdb_compat;

-- any_value: any one non-null value of the group (PostgreSQL 16 has it; 15, Greenplum and
-- AnalyticDB do not).
create or replace function duckdb_compat.any_value_step(state anyelement, value anyelement) returns anyelement
  language sql immutable as $$ select coalesce(state, value) $$;
create or replace aggregate duckdb_compat.any_value(anyelement) (sfunc = duckdb_compat.any_value_step, stype = anyelement);

-- arg_max / arg_min(value, ordering): value on the row of the greatest (least) ordering, among the
-- rows where neither is NULL. An aggregate's state has one type, so there is one per pair of
-- types, each with a composite state (value, ordering).
do $$
declare
  value_type text;
  ordering_type text;
  state text;
begin
  foreach value_type in array array['text', 'integer', 'bigint', 'numeric', 'float8', 'date', 'timestamp', 'boolean'] loop
    foreach ordering_type in array array['integer', 'bigint', 'numeric', 'float8', 'date', 'timestamp', 'text'] loop
      state := format('duckdb_compat.%I', 'arg_' || replace(value_type, ' ', '_') || '_' || ordering_type);
      if to_regtype(state) is null then
        execute format('create type %s as (value %s, ordering %s)', state, value_type, ordering_type);
      end if;
      execute format(
        'create or replace function duckdb_compat.arg_max_step(state %1$s, value %2$s, ordering %3$s) returns %1$s language sql immutable as '
        '$f$ select case when value is null or ordering is null then state when state is null or ordering > (state).ordering then row(value, ordering)::%1$s else state end $f$',
        state, value_type, ordering_type);
      execute format(
        'create or replace function duckdb_compat.arg_min_step(state %1$s, value %2$s, ordering %3$s) returns %1$s language sql immutable as '
        '$f$ select case when value is null or ordering is null then state when state is null or ordering < (state).ordering then row(value, ordering)::%1$s else state end $f$',
        state, value_type, ordering_type);
      execute format('create or replace function duckdb_compat.arg_value(state %s) returns %s language sql immutable as $f$ select (state).value $f$', state, value_type);
      execute format('create or replace aggregate duckdb_compat.arg_max(%s, %s) (sfunc = duckdb_compat.arg_max_step, stype = %s, finalfunc = duckdb_compat.arg_value)', value_type, ordering_type, state);
      execute format('create or replace aggregate duckdb_compat.arg_min(%s, %s) (sfunc = duckdb_compat.arg_min_step, stype = %s, finalfunc = duckdb_compat.arg_value)', value_type, ordering_type, state);
    end loop;
  end loop;
end $$;

-- date_diff(part, start, end): the part boundaries crossed from start to end.
create or replace function duckdb_compat.date_diff(part text, start_at timestamp, end_at timestamp) returns bigint
  language sql immutable as $$
  select case lower(part)
    when 'year' then extract(year from end_at) - extract(year from start_at)
    when 'month' then (extract(year from end_at) * 12 + extract(month from end_at)) - (extract(year from start_at) * 12 + extract(month from start_at))
    when 'day' then end_at::date - start_at::date
    when 'hour' then extract(epoch from date_trunc('hour', end_at) - date_trunc('hour', start_at)) / 3600
    when 'minute' then extract(epoch from date_trunc('minute', end_at) - date_trunc('minute', start_at)) / 60
    when 'second' then extract(epoch from date_trunc('second', end_at) - date_trunc('second', start_at))
    when 'millisecond' then extract(epoch from date_trunc('milliseconds', end_at) - date_trunc('milliseconds', start_at)) * 1000
  end::bigint $$;

-- date_trunc of a DATE is a TIMESTAMP in DuckDB; PostgreSQL would make it a timestamptz, which
-- then shifts with the session's time zone.
create or replace function duckdb_compat.date_trunc(part text, day date) returns timestamp
  language sql immutable as $$ select pg_catalog.date_trunc(part, day::timestamp) $$;

create or replace function duckdb_compat.last_day(day timestamp) returns date
  language sql immutable as $$ select (pg_catalog.date_trunc('month', day) + interval '1 month - 1 day')::date $$;

-- strftime for the formats the models use: %Y %m %d %H %M %S.
create or replace function duckdb_compat.strftime(moment timestamp, pattern text) returns text
  language sql immutable as $$
  select to_char(moment, replace(replace(replace(replace(replace(replace(pattern,
    '%Y', 'YYYY'), '%m', 'MM'), '%d', 'DD'), '%H', 'HH24'), '%M', 'MI'), '%S', 'SS')) $$;

-- regexp_extract(text, pattern[, group]): the group of the first match, '' without one.
create or replace function duckdb_compat.regexp_extract(subject text, pattern text, group_number integer default 0) returns text
  language sql immutable as $$
  select case when subject is not null then coalesce((regexp_match(subject, '(' || pattern || ')'))[group_number + 1], '') end $$;

-- json_extract(json text, '$.a.b'): the JSON value at the path.
create or replace function duckdb_compat.json_extract(document text, path text) returns jsonb
  language sql immutable as $$ select document::jsonb #> string_to_array(regexp_replace(path, '^\$\.?', ''), '.') $$;

create or replace function duckdb_compat.error(message text) returns text
  language plpgsql volatile as $$ begin raise exception '%', message; end $$;

-- significant_text(value, digits): printf's %.<digits>g, as models/macros.sql gives it in DuckDB.
create or replace function duckdb_compat.significant_text(value float8, digits integer) returns text
  language plpgsql immutable as $$
declare
  exponent integer;
  rounded numeric;
  mantissa text;
begin
  if value is null then return null; end if;
  if value = 0 then return '0'; end if;
  rounded := round(value::numeric, digits - 1 - floor(log(abs(value::numeric)))::integer);
  exponent := floor(log(abs(rounded)));
  if exponent < -4 or exponent >= digits then
    mantissa := round(rounded / power(10::numeric, exponent), digits - 1)::text;
    if position('.' in mantissa) > 0 then mantissa := rtrim(rtrim(mantissa, '0'), '.'); end if;
    return mantissa || 'e' || case when exponent < 0 then '-' else '+' end || lpad(abs(exponent)::text, 2, '0');
  end if;
  mantissa := round(rounded, greatest(digits - 1 - exponent, 0))::text;
  if position('.' in mantissa) > 0 then mantissa := rtrim(rtrim(mantissa, '0'), '.'); end if;
  return mantissa;
end $$;
