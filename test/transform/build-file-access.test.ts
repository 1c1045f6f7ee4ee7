import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { WarehouseConfig } from '../../pipelines/config.js';
import { withRun } from '../../pipelines/run/run-log.js';
import { buildWarehouse, testWarehouse } from '../../pipelines/transform/build-warehouse.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { runRefresh } from '../helpers/run-refresh.js';
import { repoDir, tempProject } from '../helpers/temp-project.js';
import { testRun } from '../helpers/test-run.js';

const numbers = `-- Numbers 1..3.
-- grain: n
select range as n from range(1, 4)`;

// A project whose member salt is a file in its data folder, as when WAREHOUSE_MEMBER_SALT is not set.
function projectWithSaltFile(models: Record<string, string>, assertions: Record<string, string> = {}): WarehouseConfig {
  return { ...tempProject({ models, assertions }), memberSalt: undefined };
}

const saltPathOf = (config: WarehouseConfig) => join(config.dataDir, 'member_salt');

/** Builds, then runs the data tests, as the build and test commands do; returns each one's error (or undefined). */
async function buildAndTest(config: WarehouseConfig) {
  const warehouse = await openWarehouse(config);
  const outcome = (work: Promise<unknown>) =>
    work.then(
      () => undefined,
      (error: Error) => error,
    );
  try {
    const build = await outcome(
      withRun(warehouse.db, 'build', async (runId) => buildWarehouse(warehouse.db, await testRun(config, runId))),
    );
    const test = await outcome(withRun(warehouse.db, 'test', async (runId) => testWarehouse(warehouse.db, await testRun(config, runId))));
    // The warehouse is reopened after each, so that what comes next in the run may read files again.
    const { rows } = await sql<{ access: boolean }>`select current_setting('enable_external_access') as access`.execute(warehouse.db);
    const logged = await sql<{ text: string }>`select coalesce(string_agg(message, ' | '), '') as text from (
      select message from ops.runs union all select message from ops.model_runs union all select message from ops.test_results)`.execute(
      warehouse.db,
    );
    return { build, test, accessAfter: rows[0]!.access, logged: logged.rows[0]!.text };
  } finally {
    await warehouse.close();
  }
}

describe('models read only the warehouse', () => {
  it('fails a model or an assertion that reads /etc/passwd, naming its file, and keeps the file out of the warehouse', async () => {
    const model = await buildAndTest(
      projectWithSaltFile({
        'staging/stg_numbers.sql': numbers,
        'staging/stg_accounts.sql': "-- Accounts.\n-- grain: content\nselect content from read_text('/etc/passwd')",
      }),
    );
    expect(model.build?.message).toMatch(
      /^models\/staging\/stg_accounts\.sql:3: Permission Error: Cannot access file "\/etc\/passwd" - file system operations are disabled by configuration/,
    );
    expect(model.logged).toContain('models/staging/stg_accounts.sql');
    const assertion = await buildAndTest(
      projectWithSaltFile(
        { 'staging/stg_numbers.sql': numbers },
        { 'no_accounts.sql': "-- No accounts.\nselect content from read_text('/etc/passwd') where length(content) > 0" },
      ),
    );
    expect(assertion.build).toBeUndefined();
    expect(assertion.test?.message).toMatch(
      /^models\/assertions\/no_accounts\.sql:2: test 'No accounts\.' cannot run: Permission Error: Cannot access file "\/etc\/passwd"/,
    );
    for (const { accessAfter, logged } of [model, assertion]) {
      expect(accessAfter).toBe(true);
      expect(logged).not.toContain('root:');
    }
  });

  it('fails a model that reads the member salt file, and the salt is in no message', async () => {
    const config = projectWithSaltFile({ 'staging/stg_numbers.sql': numbers });
    mkdirSync(join(config.modelsDir, 'marts'));
    writeFileSync(
      join(config.modelsDir, 'marts/salted.sql'),
      `-- Salt.\n-- grain: content\nselect content from read_text('${saltPathOf(config)}')`,
    );
    const { build, accessAfter, logged } = await buildAndTest(config);
    const salt = readFileSync(saltPathOf(config), 'utf8').trim();
    expect(salt).toMatch(/^[0-9a-f]{48}$/);
    expect(build?.message).toMatch(/^models\/marts\/salted\.sql:3: Permission Error: Cannot access file ".*\/member_salt"/);
    expect(build?.message).not.toContain(salt);
    expect(logged).not.toContain(salt);
    expect(accessAfter).toBe(true);
  });

  it('refuses a seed that links to the member salt file, without showing the salt', async () => {
    const config = projectWithSaltFile({ 'staging/stg_numbers.sql': numbers });
    symlinkSync(saltPathOf(config), join(config.seedsDir, 'leak.csv'));
    const { build, logged } = await buildAndTest(config);
    const salt = readFileSync(saltPathOf(config), 'utf8').trim();
    expect(build?.message).toBe('seeds/leak.csv links to a file outside seeds/: make it a file of the seeds folder');
    expect(logged).not.toContain(salt);
  });

  it('keeps the member salt out of the messages of a model or a test that shows it', async () => {
    // DuckDB quotes the value it could not convert, and a failing test shows its rows.
    const model = projectWithSaltFile({
      'staging/stg_numbers.sql': numbers,
      'marts/salted.sql': "-- Salt.\n-- grain: n\nselect cast(getvariable('member_salt') as integer) as n",
    });
    const assertion = projectWithSaltFile(
      { 'staging/stg_numbers.sql': numbers },
      { 'no_salt.sql': "-- No salt.\nselect getvariable('member_salt') as salt" },
    );
    const built = await buildAndTest(model);
    const tested = await buildAndTest(assertion);
    expect(built.build?.message).toMatch(
      /^models\/marts\/salted\.sql:3: Conversion Error: Could not convert string '<member salt>' to INT32/,
    );
    expect(tested.test?.message).toContain('models/assertions/no_salt.sql: No salt.: 1 failing row, e.g.\n    {"salt":"<member salt>"}');
    for (const [config, { logged }] of [
      [model, built],
      [assertion, tested],
    ] as const) {
      expect(logged).toContain('<member salt>');
      expect(logged).not.toContain(readFileSync(saltPathOf(config), 'utf8').trim());
    }
  });

  it('keeps the member salt file readable by its owner only, and narrows one that was not', async () => {
    const config = projectWithSaltFile({ 'staging/stg_numbers.sql': numbers });
    mkdirSync(config.dataDir, { recursive: true });
    writeFileSync(saltPathOf(config), 'a-salt-someone-else-wrote\n', { mode: 0o644 });
    chmodSync(saltPathOf(config), 0o644);
    const { build } = await buildAndTest(config);
    expect(build).toBeUndefined();
    expect(statSync(saltPathOf(config)).mode & 0o777).toBe(0o600);
    expect(readFileSync(saltPathOf(config), 'utf8')).toBe('a-salt-someone-else-wrote\n');
  });

  it('publishes no mart that holds the member salt, and names the model without the salt', async () => {
    const config = {
      ...tempProject({
        models: {
          'staging/stg_orders.sql': `-- Orders.\n-- grain: order_id\nselect 'o1' as order_id, timestamp '2026-11-20 10:00:00' as created_at,
            timestamp '2026-11-20 10:00:00' as purchased_at, true as is_purchase`,
          // The refresh's freshness check reads it.
          'intermediate/int_newest_order.sql': readFileSync(join(repoDir, 'models/intermediate/int_newest_order.sql'), 'utf8'),
          'marts/member_hints.sql': "-- Hints.\n-- grain: hint\nselect 'key: ' || getvariable('member_salt') || '.' as hint",
        },
        // The shop's guards read marts this project has none of.
        seeds: { 'publish_guards.csv': 'mart,figure,unit,max_fall,max_rise,description\n' },
      }),
      memberSalt: undefined,
    };
    const warehouse = await openWarehouse(config);
    const error = await runRefresh(warehouse, { inputs: [] }).then(
      () => undefined,
      (caught: Error) => caught,
    );
    await warehouse.close();
    expect(error?.message).toBe(
      "models/marts/member_hints.sql: marts.member_hints.hint holds the member salt, which is never published: only the macro of member keys in models/macros.sql may read getvariable('member_salt'); nothing was published",
    );
    expect(existsSync(join(config.dataDir, 'published'))).toBe(false);
  });
});
