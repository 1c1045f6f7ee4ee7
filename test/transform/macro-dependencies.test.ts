import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { WarehouseConfig } from '../../pipelines/config.js';
import { withRun } from '../../pipelines/run/run-log.js';
import { buildWarehouse } from '../../pipelines/transform/build-warehouse.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { repoDir, tempProject } from '../helpers/temp-project.js';
import { testRun } from '../helpers/test-run.js';

// a_scaled reads p_one, b_shifted calls a_scaled, c_scaled reads p_two, d_level reads a seed.
const macros = `-- The test's macros.
create or replace temp macro a_scaled(x) as x * getvariable('p_one');

create or replace temp macro b_shifted(x) as a_scaled(x) + 1;

create or replace temp macro c_scaled(x) as x * getvariable('p_two');

create or replace temp macro d_level(x) as (select max(level_rank) from seeds.member_levels where min_revenue <= x);
`;

const table = (grain: string, query: string) => `-- A model of the test.\n-- grain: ${grain}\n-- materialized: table\n${query}`;

const models = {
  'macros.sql': macros,
  'staging/stg_numbers.sql': table('n', 'select range as n from range(1, 4)'),
  'intermediate/int_a.sql': table('n', 'select n, a_scaled(n) as v from staging.stg_numbers'),
  'intermediate/int_b.sql': table('n', 'select n, b_shifted(n) as v from staging.stg_numbers'),
  'intermediate/int_c.sql': table('n', 'select n, c_scaled(n) as v from staging.stg_numbers'),
  'intermediate/int_d.sql': table('n', 'select n, d_level(n * 1000) as v from staging.stg_numbers'),
  'intermediate/int_none.sql': table('n', 'select n, n * 2 as v from staging.stg_numbers'),
  // Readers of a model that calls a_scaled: a count that stays 3 whatever p_one is, and its reader.
  'marts/a_count.sql': table('members', 'select count(*) as members from intermediate.int_a'),
  'marts/a_count_shown.sql': table('members', 'select members from marts.a_count'),
};

const parameters = `${readFileSync(join(repoDir, 'seeds/parameters.csv'), 'utf8').trimEnd()}
p_one,2,double,The test's parameter read by a_scaled
p_two,3,double,The test's parameter read by c_scaled
`;

// The models the build computed again (not kept because nothing they read changed), in name order:
// those whose state it wrote, rows changed or not.
async function rebuilt(config: WarehouseConfig, set: Record<string, string> = {}): Promise<string[]> {
  const warehouse = await openWarehouse(config);
  try {
    return await withRun(warehouse.db, 'build', async (runId) => {
      await buildWarehouse(warehouse.db, await testRun(config, runId, { parameters: set }));
      const { rows } = await sql<{ model: string }>`
        select model from ops.model_state where built_at >= (select started_at from ops.runs where run_id = ${runId})
        order by model`.execute(warehouse.db);
      return rows.map((row) => row.model);
    });
  } finally {
    await warehouse.close();
  }
}

describe('what a macro change rebuilds', () => {
  it('rebuilds the models calling a macro that reads a changed parameter, directly or through another macro, and their readers', async () => {
    const config = tempProject({ models, seeds: { 'parameters.csv': parameters } });
    expect(await rebuilt(config)).toHaveLength(8);
    expect(await rebuilt(config)).toEqual([]);
    // int_a's rows change, so its reader a_count is computed again; a_count's rows do not (3
    // members whatever p_one is), so its own reader is not: a reader follows the rows of a table
    // it reads, not what they were computed with.
    expect(await rebuilt(config, { p_one: '5' })).toEqual(['intermediate.int_a', 'intermediate.int_b', 'marts.a_count']);
    expect(await rebuilt(config, { p_one: '5', p_two: '7' })).toEqual(['intermediate.int_c']);
  });

  it('rebuilds the callers of a macro whose text or seed changed, and no others', async () => {
    const config = tempProject({ models, seeds: { 'parameters.csv': parameters } });
    await rebuilt(config);
    const macrosFile = join(config.modelsDir, 'macros.sql');
    writeFileSync(macrosFile, macros.replace("x * getvariable('p_two')", "x * getvariable('p_two') + 0"));
    expect(await rebuilt(config)).toEqual(['intermediate.int_c']);
    // A comment between definitions belongs to none of them.
    writeFileSync(
      macrosFile,
      readFileSync(macrosFile, 'utf8').replace('\ncreate or replace temp macro c_scaled', '\n-- C.\ncreate or replace temp macro c_scaled'),
    );
    expect(await rebuilt(config)).toEqual([]);
    // b_shifted's text: its callers rebuild, a_scaled's (which b_shifted calls) do not.
    writeFileSync(macrosFile, readFileSync(macrosFile, 'utf8').replace('a_scaled(x) + 1', 'a_scaled(x) + 2'));
    expect(await rebuilt(config)).toEqual(['intermediate.int_b']);
    // a_scaled's text: its callers, direct (int_a) or through b_shifted (int_b); int_a's rows are
    // the same (× 1), so its readers are not computed again.
    writeFileSync(macrosFile, readFileSync(macrosFile, 'utf8').replace("x * getvariable('p_one')", "x * getvariable('p_one') * 1"));
    expect(await rebuilt(config)).toEqual(['intermediate.int_a', 'intermediate.int_b']);
    // × 10: int_a's rows change, and its reader is computed again; the count's rows do not.
    writeFileSync(macrosFile, readFileSync(macrosFile, 'utf8').replace("getvariable('p_one') * 1", "getvariable('p_one') * 10"));
    expect(await rebuilt(config)).toEqual(['intermediate.int_a', 'intermediate.int_b', 'marts.a_count']);
    // senior from ¥2,000: the seed d_level reads.
    writeFileSync(
      join(config.seedsDir, 'member_levels.csv'),
      'level_rank,level,level_zh,min_revenue,min_purchases,discount\n1,regular,普通会员,0,0,0\n2,senior,高级会员,2000,5,0.10\n',
    );
    expect(await rebuilt(config)).toEqual(['intermediate.int_d']);
  });
});
