import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { WarehouseConfig } from '../../pipelines/config.js';
import { withRun } from '../../pipelines/run/run-log.js';
import { buildWarehouse, testWarehouse } from '../../pipelines/transform/build-warehouse.js';
import { DataTestError } from '../../pipelines/transform/run-data-tests.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { tempProject } from '../helpers/temp-project.js';
import { testRun } from '../helpers/test-run.js';

const numbers = `-- Numbers 1..5.
-- grain: n
-- materialized: table
select range as n from range(1, 6)`;

async function build(config: WarehouseConfig, select: string[] = [], parameters: Record<string, string> = {}) {
  const warehouse = await openWarehouse(config);
  const lines: string[] = [];
  try {
    const built = await withRun(warehouse.db, 'build', async (runId) =>
      buildWarehouse(warehouse.db, await testRun(config, runId, { parameters, log: (line) => lines.push(line) }), { select }),
    );
    return { built: built.map((model) => model.name), lines };
  } finally {
    await warehouse.close();
  }
}

async function query<T>(config: WarehouseConfig, text: string): Promise<T[]> {
  const warehouse = await openWarehouse(config);
  try {
    return (await sql.raw<T>(text).execute(warehouse.db)).rows;
  } finally {
    await warehouse.close();
  }
}

describe('building models', () => {
  it('builds in dependency order inferred from the SQL, ignoring CTE names, and logs each model', async () => {
    const config = tempProject({
      models: {
        'marts/totals.sql': `-- Sum of the doubled numbers.\n-- grain: total\nwith doubled as (select * from intermediate.int_numbers_doubled)\nselect sum(n2) as total from doubled`,
        'intermediate/int_numbers_doubled.sql': `-- Doubled.\n-- grain: n2\nselect n * 2 as n2 from staging.stg_numbers where n in (select n from staging.stg_numbers)`,
        'staging/stg_numbers.sql': numbers,
      },
    });
    const { built, lines } = await build(config);
    expect(built).toEqual(['staging.stg_numbers', 'intermediate.int_numbers_doubled', 'marts.totals']);
    expect(await query(config, 'select total from marts.totals')).toEqual([{ total: 30 }]);
    expect(lines[0]).toMatch(/^\[1\/3\] staging\.stg_numbers +table +[\d.]+s {2}5 rows$/);
    expect(lines.slice(-2)).toEqual([
      expect.stringMatching(/^6 of 6 data tests passed \([\d.]+s\)$/),
      expect.stringMatching(/^committed \([\d.]+s\)$/),
    ]);
    const runs = await query<{ model: string; status: string; rows: number }>(
      config,
      'select model, status, rows from ops.model_runs order by model',
    );
    expect(runs).toEqual([
      { model: 'intermediate.int_numbers_doubled', status: 'succeeded', rows: 5 },
      { model: 'marts.totals', status: 'succeeded', rows: 1 },
      { model: 'staging.stg_numbers', status: 'succeeded', rows: 5 },
    ]);
  });

  it('builds each model beside the one it replaces, read by the models after it, and drops what a killed build left', async () => {
    const config = tempProject({
      models: {
        'staging/stg_numbers.sql': numbers,
        'intermediate/int_numbers_doubled.sql': '-- Doubled.\n-- grain: n2\nselect n * 2 as n2 from staging.stg_numbers',
        'marts/totals.sql': '-- Total.\n-- grain: total\nselect sum(n2) as total from intermediate.int_numbers_doubled',
      },
    });
    await build(config);
    // What a build killed before putting its models in place leaves beside them.
    await query(config, 'create table staging._next_stg_numbers as select 99 as n; create view marts._next_totals as select 1 as total');
    writeFileSync(join(config.modelsDir, 'staging', 'stg_numbers.sql'), numbers.replace('range(1, 6)', 'range(1, 11)'));
    await build(config);
    // 2 × (1 + … + 10): the mart read the new numbers, not the previous build's nor the leftover.
    expect(await query(config, 'select total from marts.totals')).toEqual([{ total: 110 }]);
    const left = await query(
      config,
      "select table_name as name from information_schema.tables where starts_with(table_name, '_next_') order by 1",
    );
    expect(left).toEqual([]);
  });

  it('refuses a model that reads a model of the build other than by a plain schema.table reference', async () => {
    const config = tempProject({
      models: {
        'staging/stg_numbers.sql': numbers,
        'marts/quoted.sql': '-- Quoted.\n-- grain: n\nselect n from "staging"."stg_numbers"',
      },
    });
    await expect(build(config)).rejects.toThrow(
      'models/marts/quoted.sql:3: reads "staging"."stg_numbers" (write staging.stg_numbers, unquoted: the build reads its new relations by their plain schema.table names)',
    );
  });

  it('selects a model with its downstream (model+) or upstream (+model) models', async () => {
    const config = tempProject({
      models: {
        'staging/stg_numbers.sql': numbers,
        'intermediate/int_numbers_doubled.sql': '-- Doubled.\n-- grain: n2\nselect n * 2 as n2 from staging.stg_numbers',
        'marts/totals.sql': '-- Total.\n-- grain: total\nselect sum(n2) as total from intermediate.int_numbers_doubled',
        'marts/other.sql': '-- Other.\n-- grain: n\nselect n from staging.stg_numbers',
      },
    });
    expect((await build(config, ['+int_numbers_doubled'])).built).toEqual(['staging.stg_numbers', 'intermediate.int_numbers_doubled']);
    expect((await build(config, ['intermediate.int_numbers_doubled+'])).built).toEqual([
      'intermediate.int_numbers_doubled',
      'marts.totals',
    ]);
    expect((await build(config, ['other'])).built).toEqual(['marts.other']);
    await expect(build(config, ['nothing'])).rejects.toThrow("no model named 'nothing' (models: ");
  });

  it('fails a SQL error with the model file and DuckDB message, and keeps the previous build', async () => {
    const config = tempProject({
      models: {
        'staging/stg_numbers.sql': numbers,
        'marts/broken.sql': '-- Broken.\n-- grain: n\nselect n, no_such_column from staging.stg_numbers',
      },
    });
    await expect(build(config)).rejects.toThrow(
      /^models\/marts\/broken\.sql:3: Binder Error: Referenced column "no_such_column" not found/,
    );
    // Nothing of a failed build is put in place: stg_numbers, built before the failure, is neither
    // in staging nor left beside it.
    const tables = await query(config, "select table_name from information_schema.tables where table_schema = 'staging'");
    expect(tables).toEqual([]);
    const runs = await query<{ model: string; status: string }>(config, 'select model, status from ops.model_runs order by model');
    expect(runs).toEqual([
      { model: 'marts.broken', status: 'failed' },
      { model: 'staging.stg_numbers', status: 'succeeded' },
    ]);
    const [run] = await query<{ status: string; message: string }>(config, 'select status, message from ops.runs');
    expect(run?.status).toBe('failed');
    expect(run?.message).toMatch(/^models\/marts\/broken\.sql:3: /);
  });

  it('names the file of a model that does not parse', async () => {
    const config = tempProject({ models: { 'staging/stg_bad.sql': '-- Bad.\n-- grain: n\nselect from where' } });
    await expect(build(config)).rejects.toThrow(/^models\/staging\/stg_bad\.sql:3: SQL does not parse: syntax error at or near "where"/);
  });

  it('names the files of a dependency cycle', async () => {
    const config = tempProject({
      models: {
        'intermediate/int_a_made.sql': '-- A.\n-- grain: n\nselect n from intermediate.int_b_made',
        'intermediate/int_b_made.sql': '-- B.\n-- grain: n\nselect n from intermediate.int_a_made',
      },
    });
    await expect(build(config)).rejects.toThrow(
      'models/intermediate/int_a_made.sql: dependency cycle: models/intermediate/int_a_made.sql -> models/intermediate/int_b_made.sql -> models/intermediate/int_a_made.sql',
    );
  });

  it('names the file that reads a model which does not exist', async () => {
    const config = tempProject({ models: { 'marts/totals.sql': '-- T.\n-- grain: n\nselect n from staging.stg_missing' } });
    await expect(build(config)).rejects.toThrow(
      'models/marts/totals.sql: reads staging.stg_missing, which is not a model (no models/staging/stg_missing.sql)',
    );
  });

  it('rejects an unknown header key, an unknown test and a wrong argument count', async () => {
    const cases: Array<[string, string]> = [
      [
        '-- X.\n-- grain: n\n-- owner: crm\nselect 1 as n',
        "unknown header key 'owner' (known: grain, materialized, incremental_key, as_of_cut, compute, tests; a standing audience's too: label, channel, control, cap_days, cost_per_contact, coupon_code, coupon_value, guards)",
      ],
      [
        '-- X.\n-- grain: n\n-- tests: positive(n)\nselect 1 as n',
        "unknown test 'positive(n)' (known: unique, not_null, accepted_values, accepted_range, relationships, finite)",
      ],
      ['-- X.\n-- grain: n\n-- tests: accepted_range(n, 1)\nselect 1 as n', "test 'accepted_range(n, 1)' takes 3 arguments, got 2"],
      ['-- X.\n-- grain: n\n-- materialized: ephemeral\nselect 1 as n', "materialized must be view, table or incremental, not 'ephemeral'"],
      [
        '-- X.\n-- grain: n\n-- materialized: incremental\nselect 1 as n',
        'an incremental model needs an incremental_key, and only an incremental model has one',
      ],
      [
        '-- X.\n-- grain: n\n-- incremental_key: n\nselect 1 as n',
        'an incremental model needs an incremental_key, and only an incremental model has one',
      ],
      [
        '-- X.\n-- grain: n\n-- incremental_key: n; drop table raw.orders\nselect 1 as n',
        "incremental_key must be one column name, or <column> = <upstream column>, not 'n; drop table raw.orders'",
      ],
      [
        '-- X.\n-- grain: n\n-- materialized: incremental\n-- incremental_key: n\n-- as_of_cut: raw.orders.created_at < 2026-01-01\nselect 1 as n',
        "as_of_cut must read <schema.table>.<date column> <= <schema.table>.<as-of column>, not 'raw.orders.created_at < 2026-01-01'",
      ],
      [
        '-- X.\n-- grain: n\n-- as_of_cut: raw.orders.created_at <= intermediate.int_as_of_date_resolved.as_of_date\nselect 1 as n',
        'only an incremental model has an as_of_cut',
      ],
    ];
    for (const [text, message] of cases) {
      const config = tempProject({ models: { 'marts/x.sql': text } });
      await expect(build(config)).rejects.toThrow(`models/marts/x.sql: ${message}`);
    }
  });

  it('refuses a view that reads parameters or calls a macro of models/macros.sql, which its readers would see unset', async () => {
    const config = tempProject({
      models: { 'staging/stg_settings.sql': "-- Settings.\n-- grain: days\nselect getvariable('maturity_days') as days" },
    });
    await expect(build(config)).rejects.toThrow(
      'models/staging/stg_settings.sql: a view cannot call getvariable: readers would see it unset; add "-- materialized: table"',
    );
    // A macro is known by its definition in models/macros.sql, not by a list kept elsewhere.
    const withMacro = tempProject({
      models: {
        'macros.sql': 'create or replace temp macro doubled(value) as 2 * value;',
        'staging/stg_doubled.sql': '-- Doubled.\n-- grain: n\nselect Doubled (21) as n',
      },
    });
    await expect(build(withMacro)).rejects.toThrow(
      'models/staging/stg_doubled.sql: a view cannot call doubled: readers would see it unset',
    );
  });

  it('fails data tests with the model file, the test, the failing row count and sample rows', async () => {
    const config = tempProject({
      models: {
        'staging/stg_numbers.sql': numbers,
        'marts/scores.sql': `-- Scores.\n-- grain: n\n-- tests: accepted_range(score, 1, 5); accepted_values(label, 'low', 'high'); not_null(label); relationships(n, staging.stg_numbers, n)\nselect n, n * 2 as score, case when n < 3 then 'low' when n < 5 then 'high' end as label from staging.stg_numbers union all select 9, 1, 'mid'`,
      },
      assertions: { 'scores_below_ten.sql': '-- No score above 9.\nselect * from marts.scores where score > 9' },
    });
    const error = await build(config).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(DataTestError);
    const failures = (error as DataTestError).failures.map((failure) => [failure.file, failure.test, failure.failingRows]);
    expect(failures).toEqual([
      ['models/marts/scores.sql', 'accepted_range(score, 1, 5)', 3], // 6, 8, 10
      ['models/marts/scores.sql', "accepted_values(label, 'low', 'high')", 1], // 'mid'
      ['models/marts/scores.sql', 'not_null(label)', 1], // n = 5
      ['models/marts/scores.sql', 'relationships(n, staging.stg_numbers, n)', 1], // 9
      ['models/assertions/scores_below_ten.sql', 'No score above 9.', 1], // 10
    ]);
    expect((error as Error).message).toContain(
      '5 data tests failed, so the build was rolled back:\n  models/marts/scores.sql: accepted_range(score, 1, 5): 3 failing rows, e.g.\n    {"n":3,"score":6,"label":"high"}',
    );
    const results = await query<{ status: string; n: number }>(
      config,
      'select status, count(*) as n from ops.test_results group by status order by status',
    );
    expect(results).toEqual([
      { status: 'fail', n: 5 },
      { status: 'pass', n: 4 },
    ]); // the grain tests of both models
  });

  it('rolls a build back when a data test fails: the previous build stays', async () => {
    const config = tempProject({ models: { 'staging/stg_numbers.sql': numbers } });
    await build(config);
    writeFileSync(join(config.modelsDir, 'staging/stg_numbers.sql'), '-- Numbers.\n-- grain: n\nselect 1 as n union all select 1');
    await expect(build(config)).rejects.toThrow('1 data test failed, so the build was rolled back');
    expect(await query(config, 'select count(*) as n from staging.stg_numbers')).toEqual([{ n: 5 }]);
    expect(await query(config, 'select status, count(*) as n from ops.model_runs group by status')).toEqual([
      { status: 'succeeded', n: 2 },
    ]);
  });

  it('fails a duplicate grain key', async () => {
    const config = tempProject({ models: { 'marts/dupes.sql': '-- Dupes.\n-- grain: n\nselect 1 as n union all select 1' } });
    await expect(build(config)).rejects.toThrow(
      'models/marts/dupes.sql: grain unique(n): 1 failing row, e.g.\n    {"n":1,"occurrences":2}',
    );
  });

  it('fails a mart whose DOUBLE column holds NaN or infinity, and passes NULL', async () => {
    const rates = (value: string) =>
      tempProject({
        models: {
          'marts/rates.sql': `-- Rates.\n-- grain: n\nselect 1 as n, ${value} as rate, 0.5::double as share union all select 2, null, 1`,
        },
      });
    await expect(build(rates("'nan'::double"))).rejects.toThrow('models/marts/rates.sql: finite(rate, share): 1 failing row');
    await expect(build(rates('1.0::double / 0'))).rejects.toThrow('models/marts/rates.sql: finite(rate, share): 1 failing row');
    await expect(build(rates('0.25::double'))).resolves.toBeDefined();
  });

  it('re-runs data tests on the built warehouse with the test command', async () => {
    const config = tempProject({
      models: { 'staging/stg_numbers.sql': numbers },
      assertions: { 'five_numbers.sql': '-- Exactly five numbers.\nselect count(*) as n from staging.stg_numbers having count(*) <> 5' },
    });
    await build(config);
    const warehouse = await openWarehouse(config);
    try {
      await withRun(warehouse.db, 'test', async (runId) => testWarehouse(warehouse.db, await testRun(config, runId)));
      await sql`insert into staging.stg_numbers values (6)`.execute(warehouse.db);
      await expect(
        withRun(warehouse.db, 'test', async (runId) => testWarehouse(warehouse.db, await testRun(config, runId))),
      ).rejects.toThrow('models/assertions/five_numbers.sql: Exactly five numbers.: 1 failing row');
    } finally {
      await warehouse.close();
    }
  });
});

describe('seeds and parameters', () => {
  it('loads seeds with declared types and passes parameters to models as DuckDB variables', async () => {
    const config = tempProject({
      models: {
        'marts/settings.sql':
          "-- Settings.\n-- grain: maturity_days\nselect getvariable('maturity_days') as maturity_days, getvariable('as_of_date') as as_of_date, typeof(getvariable('maturity_days')) as type, (select min_revenue from seeds.member_levels where level = 'senior') as senior_revenue",
      },
    });
    await build(config);
    expect(await query(config, 'select * from marts.settings')).toEqual([
      { maturity_days: 365, as_of_date: null, type: 'INTEGER', senior_revenue: 1000 },
    ]);
    await build(config, [], { maturity_days: '180', as_of_date: '2026-06-30' });
    expect(await query(config, 'select maturity_days, as_of_date from marts.settings')).toEqual([
      { maturity_days: 180, as_of_date: '2026-06-30' },
    ]);
    await expect(build(config, [], { maturity_days: 'a year' })).rejects.toThrow(
      "--set maturity_days = 'a year' is not of type integer: give a whole number",
    );
    await expect(build(config, [], { maturity: '1' })).rejects.toThrow('unknown parameter maturity (see seeds/parameters.csv)');
  });

  it('asks for a declared type for every seed column', async () => {
    const config = tempProject({ seeds: { 'channels.csv': 'channel,cost\nsms,0.04\n' } });
    await expect(build(config)).rejects.toThrow(
      "seeds/channels.csv: column 'channel' has no type; add a line 'channels,channel,<type>' to seeds/seed_types.csv",
    );
  });
});
