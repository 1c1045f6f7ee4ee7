import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../pipelines/config.js';
import type { Macros } from '../../../pipelines/run/read-macros.js';
import { readingNext } from '../../../pipelines/transform/postgres/build-on-postgres.js';
import { toPostgresSql } from '../../../pipelines/transform/postgres/postgres-sql.js';
import { repoDir } from '../../helpers/temp-project.js';

const definitions = new Map([
  ['share', 'create or replace temp macro share(part, whole) as part::float8 / nullif(whole, 0);'],
  ['low', 'create or replace temp macro low(x, n, z := 1.96) as share(x, n) - z * 0.1;'],
  ['gap', 'create or replace temp macro gap(x, n, z := 1.96) as low(x, n, z := z) - low(n, x);'],
  ['salted', "create or replace temp macro salted(id) as md5(getvariable('salt') || ':' || id);"],
  ['rows_of', 'create or replace temp macro rows_of(t) as table select * from query_table(t);'],
  ['trail', 'create or replace temp macro trail(x) as x + 1 -- one more\n;'],
  ['typed', 'create or replace temp macro typed(value, numeric) as value::numeric + numeric as ignored;'],
]);
const macros: Macros = { sql: '', names: [...definitions.keys()], definitions };
const variables = new Map([
  ['salt', { value: "it's", type: 'text', duckdbType: 'VARCHAR' }],
  ['as_of', { value: '2026-11-20', type: 'date', duckdbType: 'DATE' }],
  ['unset', { value: null, type: 'integer', duckdbType: 'INTEGER' }],
  ['member_salt', { value: 'secret-salt', type: 'text', duckdbType: 'VARCHAR', secret: true }],
  ['ladder', { value: '[0.5, 0.3]', type: undefined, duckdbType: 'DOUBLE[]' }],
]);
const translate = (query: string, native: string[] = []) => toPostgresSql(query, macros, new Set(native), variables);

describe('a model for PostgreSQL', () => {
  it('writes each macro out in place, its arguments bracketed, as DuckDB expands it', () => {
    expect(translate('select share(a + 1, b) as s from t')).toBe('select ((a + 1)::float8 / nullif((b), 0)\n) as s from t');
    // A comment ending the body does not swallow the bracket; a name after :: or as is no parameter.
    expect(translate('select trail(y) * 2, typed(v, 2)')).toBe('select ((y) + 1 -- one more\n) * 2, ((v)::numeric + (2) as ignored\n)');
  });

  it('takes named arguments and defaults, and writes out the macros a macro calls', () => {
    expect(translate('select low(hits, tries) from t')).toBe(
      'select ((((hits))::float8 / nullif(((tries)), 0)\n) - (1.96) * 0.1\n) from t',
    );
    expect(translate('select gap(a, b, z := 2.5) from t')).toBe(
      'select ((((((a)))::float8 / nullif((((b))), 0)\n) - ((2.5)) * 0.1\n) - (((((b)))::float8 / nullif((((a))), 0)\n) - (1.96) * 0.1\n)\n) from t',
    );
  });

  it('binds getvariable as a typed literal, quoted; an unset one is NULL of its type, an unknown one NULL', () => {
    expect(translate("select salted(buyer_id), getvariable('as_of'), getvariable('unset'), getvariable('nothing')")).toBe(
      "select (md5(cast('it''s' as text) || ':' || (buyer_id))\n), cast('2026-11-20' as date), cast(null as integer), null",
    );
  });

  it('reads a secret from the session, never from the text, and refuses a variable of a type it does not bind', () => {
    expect(translate("select getvariable('member_salt')")).toBe(
      "select cast((select value from pg_temp.build_secrets where name = 'member_salt') as text)",
    );
    expect(() => translate("select getvariable('ladder')")).toThrow(
      "getvariable('ladder') is a DOUBLE[], which the PostgreSQL engine does not bind",
    );
  });

  it('leaves alone a macro PostgreSQL defines itself, a column or field of the same name, and text', () => {
    expect(translate("select share(a, b), t.share, 'share(x, y)' -- share(1, 2)\nfrom t", ['share'])).toBe(
      "select share(a, b), t.share, 'share(x, y)' -- share(1, 2)\nfrom t",
    );
  });

  it('refuses a macro it cannot write out, and a getvariable of no plain name', () => {
    expect(() => translate('select * from rows_of(t)')).toThrow('rows_of is not a scalar macro');
    expect(() => translate('select getvariable(name) from t')).toThrow('getvariable takes one name in quotes');
    expect(() => translate('select share(a) from t')).toThrow('share: no value for whole');
  });
});

describe('a build beside the tables readers use', () => {
  it('reads the relations this build makes from their schemas __next, and nothing else', () => {
    const relations = new Set(['staging.stg_orders', 'raw.orders']);
    expect(
      readingNext(
        "select o.staging, 'staging.stg_orders' from staging.stg_orders as o join raw.orders on true join seeds.levels on true join memory.staging.stg_orders on true -- staging.stg_orders",
        relations,
      ),
    ).toBe(
      "select o.staging, 'staging.stg_orders' from staging__next.stg_orders as o join raw__next.orders on true join seeds.levels on true join memory.staging.stg_orders on true -- staging.stg_orders",
    );
  });
});

describe('the PostgreSQL bodies of macros', () => {
  it('are of macros of models/macros.sql, with the same parameters', () => {
    const signature = /create\s+(?:or\s+replace\s+)?(?:temp\s+)?macro\s+([a-z_]+)\(([^)]*)\)/gi;
    const signatures = (text: string) => new Map([...text.matchAll(signature)].map((match) => [match[1]!, match[2]!.replace(/\s+/g, ' ')]));
    const duckdb = signatures(readFileSync(join(repoDir, 'models/macros.sql'), 'utf8'));
    const postgres = signatures(readFileSync(join(repoDir, 'pipelines/transform/postgres/postgres-macros.sql'), 'utf8'));
    expect([...postgres.keys()].sort()).toEqual(['grouped_text', 'member_level', 'member_level_rank', 'money_ratio']);
    for (const [name, parameters] of postgres) expect(`${name}(${parameters})`).toBe(`${name}(${duckdb.get(name)})`);
  });
});

describe('the engine setting', () => {
  it('needs a PostgreSQL URL for the postgres engine, and takes no other engine', () => {
    expect(() => loadConfig({ WAREHOUSE_ENGINE: 'postgres' })).toThrow('WAREHOUSE_ENGINE=postgres needs WAREHOUSE_POSTGRES_URL');
    expect(() => loadConfig({ WAREHOUSE_ENGINE: 'mysql' })).toThrow('WAREHOUSE_ENGINE');
    expect(() => loadConfig({ WAREHOUSE_ENGINE: 'postgres', WAREHOUSE_POSTGRES_URL: 'host=db' })).toThrow('WAREHOUSE_POSTGRES_URL');
    expect(loadConfig({ WAREHOUSE_ENGINE: 'postgres', WAREHOUSE_POSTGRES_URL: 'postgres://u@db:5432/w' })).toMatchObject({
      engine: 'postgres',
      postgresUrl: 'postgres://u@db:5432/w',
    });
    expect(loadConfig({}).engine).toBe('duckdb');
  });
});
