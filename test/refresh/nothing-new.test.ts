import { appendFileSync, cpSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { generateShop } from '../../pipelines/generate/generate-shop.js';
import { publishedMartsPath } from '../../pipelines/publish/publish-marts.js';
import { withRun } from '../../pipelines/run/run-log.js';
import { buildWarehouse } from '../../pipelines/transform/build-warehouse.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { shopTimeZone } from '../helpers/repo-seeds.js';
import { runRefresh } from '../helpers/run-refresh.js';
import { repoDir, tempProject } from '../helpers/temp-project.js';
import { testRun } from '../helpers/test-run.js';
import { writeFiles } from '../helpers/write-files.js';

describe('refresh with nothing new', () => {
  it('leaves the published marts standing, and rebuilds when files, parameters, seeds, models or a build changed them', async () => {
    const config = tempProject({});
    cpSync(join(repoDir, 'models'), config.modelsDir, { recursive: true });
    const shopDir = join(config.dataDir, 'shop');
    await generateShop({ shopTimeZone, members: 300, days: 400, endDate: '2026-11-20', seed: 7, outDir: shopDir });
    const warehouse = await openWarehouse(config);
    const { db } = warehouse;
    const lines: string[] = [];
    // Models built by the latest run: 0 when it left the published marts standing.
    const refreshed = async (options: Parameters<typeof runRefresh>[1] = {}) => {
      lines.length = 0;
      await runRefresh(warehouse, { inputs: [shopDir], log: (line) => lines.push(line), ...options });
      const { rows } = await sql<{
        n: number;
      }>`select count(*)::integer as n from ops.model_runs where run_id = (select max(run_id) from ops.runs)`.execute(db);
      return rows[0]!.n;
    };
    try {
      const models = await refreshed();
      expect(models).toBeGreaterThan(20);
      const published = statSync(publishedMartsPath(config)).mtimeMs;

      expect(await refreshed()).toBe(0);
      expect(lines.some((line) => line.startsWith('nothing new since run'))).toBe(true);
      expect(statSync(publishedMartsPath(config)).mtimeMs).toBe(published);
      // Freshness is still checked against today, and recorded for the run.
      const { rows: freshness } = await sql<{ n: number }>`select count(*)::integer as n from ops.test_results
        where model = 'freshness' and run_id = (select max(run_id) from ops.runs)`.execute(db);
      expect(freshness[0]!.n).toBe(1);

      expect(await refreshed({ parameters: { maturity_days: '180' } })).toBe(models);
      expect(await refreshed({ parameters: { maturity_days: '180' } })).toBe(0);
      expect(await refreshed()).toBe(models);

      const parameters = join(config.seedsDir, 'parameters.csv');
      writeFileSync(parameters, readFileSync(parameters, 'utf8').replace('gross_margin,0.5,', 'gross_margin,0.4,'));
      expect(await refreshed()).toBe(models);
      expect(await refreshed()).toBe(0);

      appendFileSync(join(config.modelsDir, 'marts', 'member_facts.sql'), '\n-- edited\n');
      expect(await refreshed()).toBe(models);

      await withRun(db, 'build', async (runId) => buildWarehouse(db, await testRun(config, runId), { select: ['member_facts'] }));
      expect(await refreshed()).toBe(models);

      const newDay = writeFiles({
        'orders.csv':
          'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city\n' +
          'nn1,tb_nothing_new,2026-11-21 10:00:00,2026-11-21 10:01:00,completed,88.00,0,1,浙江省,杭州市\n',
      });
      expect(await refreshed({ inputs: [shopDir, newDay] })).toBeGreaterThan(0);
      expect(await refreshed({ inputs: [shopDir, newDay] })).toBe(0);

      expect(await refreshed({ fullRefresh: true })).toBe(models);
      rmSync(publishedMartsPath(config));
      expect(await refreshed()).toBe(models);
    } finally {
      await warehouse.close();
      rmSync(config.projectDir, { recursive: true, force: true });
    }
  }, 240_000);
});
