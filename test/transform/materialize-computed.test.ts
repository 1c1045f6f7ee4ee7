import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { WarehouseConfig } from '../../pipelines/config.js';
import { withRun } from '../../pipelines/run/run-log.js';
import { buildWarehouse } from '../../pipelines/transform/build-warehouse.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { bgnbdPAlive } from '../helpers/bgnbd-reference.js';
import { published } from '../helpers/cdnow-summary.js';
import { tempProject } from '../helpers/temp-project.js';
import { testRun } from '../helpers/test-run.js';

// Models with `-- compute: <name>`, on the project's own computations.
const histories = `-- Two members' histories.
-- grain: member
-- materialized: table
select * from (values ('m1', 2, 30.43, 38.86, 20.0), ('m2', 0, 0.0, 38.86, null)) as histories(member, x, t_x, t_cal, mean_value)`;

const expected = `-- Expected occasions in the next 39 weeks if alive.
-- grain: x, t_cal, horizon_days
-- compute: bgnbd_expected_occasions
with

histories as (select * from staging.stg_histories),

final as (
  select 'bgnbd' as model, x, t_cal, 273 as horizon_days, 39.0 as horizon, 0.243 as r, 4.414 as alpha, 0.793 as a, 2.426 as b
  from histories
)

select * from final`;

const fit = `-- A fit of two members, too few to fit.
-- grain: model
-- compute: bgnbd_fit
select x, t_x, t_cal, count(*) as members from staging.stg_histories group by all`;

async function build(config: WarehouseConfig, parameters: Record<string, string> = {}) {
  const warehouse = await openWarehouse(config);
  const lines: string[] = [];
  try {
    await withRun(warehouse.db, 'build', async (runId) =>
      buildWarehouse(warehouse.db, await testRun(config, runId, { parameters, log: (line) => lines.push(line) })),
    );
    return lines;
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

describe('computed models', () => {
  it("turns the SQL's rows into a table of the computation's columns and types, which models downstream read", async () => {
    const config = tempProject({
      models: {
        'staging/stg_histories.sql': histories,
        'intermediate/int_expected.sql': expected,
        'marts/expected_total.sql':
          '-- Total.\n-- grain: n\nselect count(*) as n, sum(expected_occasions_if_alive) as total from intermediate.int_expected',
      },
    });
    const lines = await build(config);
    expect(lines[1]).toMatch(/^\[2\/3\] intermediate\.int_expected +table computed by bgnbd_expected_occasions +[\d.]+s {2}2 rows$/);
    const columns = await query<{ name: string; type: string }>(
      config,
      "select column_name as name, data_type as type from information_schema.columns where table_name = 'int_expected' order by ordinal_position",
    );
    expect(columns).toEqual([
      { name: 'model', type: 'VARCHAR' },
      { name: 'x', type: 'INTEGER' },
      { name: 't_cal', type: 'DOUBLE' },
      { name: 'horizon_days', type: 'INTEGER' },
      { name: 'expected_occasions_if_alive', type: 'DOUBLE' },
    ]);
    // lifetimes' test from Hardie's spreadsheet: x = 2, t_x = 30.43, T = 38.86 expects 1.226 occasions in 39 weeks.
    const [member] = await query<{ expected_occasions_if_alive: number }>(config, 'select * from intermediate.int_expected where x = 2');
    expect(Math.abs(member!.expected_occasions_if_alive * bgnbdPAlive(published.bgnbd, 2, 30.43, 38.86) - 1.226)).toBeLessThan(0.002);
    expect(await query(config, 'select n from marts.expected_total')).toEqual([{ n: 2 }]);
    const [catalogued] = await query<{ materialized: string }>(
      config,
      "select materialized from ops.models where model = 'intermediate.int_expected'",
    );
    expect(catalogued?.materialized).toBe('table computed by bgnbd_expected_occasions');
  });

  it("records the computation's note in the run log and reads its parameters", async () => {
    const config = tempProject({ models: { 'staging/stg_histories.sql': histories, 'intermediate/int_fit.sql': fit } });
    // One note for the two models the computation fits.
    const note = ['BG/NBD', 'MBG/NBD']
      .map((model) => `${model} not fitted: 2 members, fewer than forecast_min_members (3), so no forecast`)
      .join('; ');
    expect(await build(config, { forecast_min_members: '3' })).toContain(`    ${note}`);
    expect(await query(config, "select message from ops.model_runs where model = 'intermediate.int_fit'")).toEqual([{ message: note }]);
    await expect(build(config, { forecast_min_members: '0' })).rejects.toThrow(
      /^models\/intermediate\/int_fit\.sql: parameters: forecast_min_members: Too small/,
    );
  });

  it('keeps a computed model when its rows, parameters and code are those of its last build, and computes it again when one changed', async () => {
    const config = tempProject({ models: { 'staging/stg_histories.sql': histories, 'intermediate/int_fit.sql': fit } });
    await build(config, { forecast_min_members: '3' });
    await build(config, { forecast_min_members: '3' });
    await build(config, { forecast_min_members: '3', forecast_max_iterations: '400' });
    writeFileSync(join(config.modelsDir, 'staging/stg_histories.sql'), histories.replace("('m2', 0, 0.0", "('m2', 1, 5.0"));
    await build(config, { forecast_min_members: '3', forecast_max_iterations: '400' });
    // A computation leaves its note. Two members are too few to fit, so each computation gives the
    // same row (not fitted), and the table keeps it.
    expect(
      await query(
        config,
        "select mode, message is not null as fitted from ops.model_runs where model = 'intermediate.int_fit' order by run_id",
      ),
    ).toEqual([
      { mode: 'full', fitted: true },
      { mode: 'unchanged', fitted: false },
      { mode: 'unchanged', fitted: true },
      { mode: 'unchanged', fitted: true },
    ]);
  });

  it('fails the build, naming the model, when the SQL lacks an input column or the computation fails; the previous build stays', async () => {
    const config = tempProject({ models: { 'staging/stg_histories.sql': histories, 'intermediate/int_expected.sql': expected } });
    await build(config);
    const withoutHorizon = tempProject({
      models: {
        'staging/stg_histories.sql': histories,
        'intermediate/int_expected.sql': expected.replace('39.0 as horizon', '39.0 as weeks'),
      },
    });
    await expect(build(withoutHorizon)).rejects.toThrow(
      'models/intermediate/int_expected.sql: computation bgnbd_expected_occasions needs the column(s) horizon from the model',
    );
    // a + b + x − 1 = 0 is a pole of the hypergeometric function.
    writeFileSync(
      join(config.modelsDir, 'intermediate/int_expected.sql'),
      expected.replace('0.793 as a, 2.426 as b', '0.5 as a, 0.5 as b'),
    );
    await expect(build(config)).rejects.toThrow(/^models\/intermediate\/int_expected\.sql: hyp2f1: c must not be a non-positive integer/);
    expect(await query(config, 'select count(*) as n from intermediate.int_expected')).toEqual([{ n: 2 }]);
  });

  it('refuses an unknown computation, naming the known ones, and a computed model that is not a table', async () => {
    const unknown = tempProject({ models: { 'marts/x.sql': '-- X.\n-- grain: n\n-- compute: arima\nselect 1 as n' } });
    await expect(build(unknown)).rejects.toThrow(
      "models/marts/x.sql: unknown computation 'arima' (known: bgnbd_fit, gamma_gamma_fit, bgnbd_expected_occasions)",
    );
    const view = tempProject({
      models: { 'marts/x.sql': '-- X.\n-- grain: n\n-- compute: bgnbd_fit\n-- materialized: view\nselect 1 as n' },
    });
    await expect(build(view)).rejects.toThrow(
      'models/marts/x.sql: a computed model is a table (its rows come from TypeScript); it cannot be materialized as view',
    );
  });
});
