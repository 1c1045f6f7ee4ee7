import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import '../helpers/temp-folder-per-file.js';
import { runRefresh } from '../helpers/run-refresh.js';
import { repoDir, tempProject } from '../helpers/temp-project.js';
import { writeFiles } from '../helpers/write-files.js';

const orders = [
  'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city',
  'o1,tb_0001,2026-11-01 20:00:00,2026-11-01 20:01:00,completed,100.00,0,1,浙江省,杭州市',
  'o3,tb_0002,2026-11-06 20:00:00,2026-11-06 20:01:00,completed,80.00,0,1,广东省,深圳市',
].join('\n');

describe('a refresh whose seeds/parameters.csv is edited while it runs', () => {
  it('keeps the values it started with, in the build and in the freshness check', async () => {
    const config = tempProject({});
    cpSync(join(repoDir, 'models'), config.modelsDir, { recursive: true });
    const parametersPath = join(config.seedsDir, 'parameters.csv');
    const edited = readFileSync(parametersPath, 'utf8')
      .replace(/^as_of_date,[^,\n]*,/m, 'as_of_date,2026-11-02,')
      .replace(/^freshness_max_days,[^,\n]*,/m, 'freshness_max_days,0,')
      .replace(/^freshness_action,[^,\n]*,/m, 'freshness_action,fail,');
    expect(edited).toContain('as_of_date,2026-11-02,');
    expect(edited).toContain('freshness_action,fail,');
    const lines: string[] = [];
    // The run's log is the seam: the file changes once the files are loaded, before the build.
    const log = (line: string) => {
      lines.push(line);
      if (line.startsWith('loaded (')) writeFileSync(parametersPath, edited);
    };
    const warehouse = await openWarehouse(config);
    try {
      await runRefresh(warehouse, { inputs: [join(writeFiles({ 'orders.csv': orders }), 'orders.csv')], log });
      expect(readFileSync(parametersPath, 'utf8')).toBe(edited);
      const scalar = async (query: string) =>
        Object.values((await sql.raw<Record<string, unknown>>(query).execute(warehouse.db)).rows[0]!)[0];
      // As of the latest purchase (as_of_date was empty), not the 2026-11-02 written mid-run.
      expect(await scalar('select as_of_date::varchar from intermediate.int_as_of_date_resolved')).toBe('2026-11-06');
      // Stale data warned, as freshness_action was warn when the run started.
      expect(await scalar("select status from ops.test_results where model = 'freshness'")).toBe('warn');
      expect(lines.some((line) => line.startsWith('warning: stale data: the newest order is from 2026-11-06'))).toBe(true);
    } finally {
      await warehouse.close();
    }
  }, 120_000);
});
