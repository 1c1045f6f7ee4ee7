import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkFreshness, StaleDataError } from '../../pipelines/refresh/check-freshness.js';
import { withRun } from '../../pipelines/run/run-log.js';
import { buildWarehouse } from '../../pipelines/transform/build-warehouse.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { repoDir, tempProject } from '../helpers/temp-project.js';
import { testRun } from '../helpers/test-run.js';

// The newest order was created at 23:00 on 2026-11-20, shop time (Asia/Shanghai, UTC+8).
const orders =
  "-- Orders.\n-- grain: order_id\n-- materialized: table\nselect 'o1' as order_id, timestamp '2026-11-20 23:00:00' as created_at";

async function check(now: string, parameters: Record<string, string> = {}) {
  const newestOrder = readFileSync(`${repoDir}/models/intermediate/int_newest_order.sql`, 'utf8');
  const config = tempProject({ models: { 'staging/stg_orders.sql': orders, 'intermediate/int_newest_order.sql': newestOrder } });
  const warehouse = await openWarehouse(config);
  const lines: string[] = [];
  try {
    return await withRun(warehouse.db, 'refresh', async (runId) => {
      const run = await testRun(config, runId, { parameters });
      await buildWarehouse(warehouse.db, run);
      const freshness = await checkFreshness(warehouse.db, { ...run, log: (line) => lines.push(line) }, { now: new Date(now) }).catch(
        (error: Error) => error,
      );
      const recorded = await warehouse.db
        .selectFrom('ops.test_results')
        .select(['test', 'status', 'message'])
        .where('model', '=', 'freshness')
        .execute();
      return { freshness, recorded, lines };
    });
  } finally {
    await warehouse.close();
  }
}

describe('the freshness check', () => {
  it('passes while the newest order is at most freshness_max_days (2) days old, counted in shop days', async () => {
    // 23:59 on 2026-11-22 in Shanghai: two days after the newest order.
    const { freshness, recorded, lines } = await check('2026-11-22T15:59:00Z');
    expect(freshness).toEqual({ newestOrderDate: '2026-11-20', ageDays: 2, maxDays: 2, status: 'pass' });
    expect(recorded).toEqual([{ test: 'newest order at most 2 days old', status: 'pass', message: null }]);
    expect(lines).toEqual([]);
  });

  it('warns one shop day later, though it is still 2026-11-22 in UTC', async () => {
    const { freshness, recorded, lines } = await check('2026-11-22T16:01:00Z');
    const message = 'the newest order is from 2026-11-20, 3 days before 2026-11-23 (freshness_max_days = 2)';
    expect(freshness).toMatchObject({ ageDays: 3, status: 'warn' });
    expect(recorded).toEqual([{ test: 'newest order at most 2 days old', status: 'warn', message }]);
    expect(lines).toEqual([`warning: stale data: ${message}`]);
  });

  it('fails the refresh with freshness_action = fail, and says nothing was published', async () => {
    const { freshness, recorded } = await check('2026-11-23T02:00:00Z', { freshness_action: 'fail', freshness_max_days: '1' });
    expect(freshness).toBeInstanceOf(StaleDataError);
    expect((freshness as Error).message).toBe(
      'stale data: the newest order is from 2026-11-20, 3 days before 2026-11-23 (freshness_max_days = 1); nothing published (freshness_action = fail)',
    );
    expect(recorded).toMatchObject([{ test: 'newest order at most 1 days old', status: 'fail' }]);
  });

  it('refuses an unknown action, as the run starts', async () => {
    await expect(check('2026-11-21T00:00:00Z', { freshness_action: 'shout' })).rejects.toThrow(
      "--set freshness_action = 'shout' is not allowed: give warn or fail (seeds/parameter_values.csv)",
    );
  });
});

describe('a stale refresh with freshness_action = fail', () => {
  it('publishes nothing', async () => {
    const { runCli } = await import('../helpers/run-cli.js');
    const { writeFiles } = await import('../helpers/write-files.js');
    const { join } = await import('node:path');
    const inbox = writeFiles({
      'orders.csv':
        'order_id,member_id,created_at,paid_at,status,paid_amount\no1,m1,2026-11-20 10:00:00,2026-11-20 10:00:00,completed,10.00\n',
    });
    const dataDir = writeFiles({});
    const result = runCli(
      ['refresh', '--no-site', '--no-audiences', '--set', 'freshness_action=fail', '--set', 'freshness_max_days=0'],
      dataDir,
      {
        WAREHOUSE_INBOX: inbox,
      },
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^error: stale data: the newest order is from 2026-11-20, \d+ days before \d{4}-\d\d-\d\d \(freshness_max_days = 0\); nothing published \(freshness_action = fail\)\n$/m,
    );
    expect(existsSync(join(dataDir, 'published'))).toBe(false);
  }, 60_000);
});
