import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/run-cli.js';
import { writeFiles } from './helpers/write-files.js';

const orders = [
  'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city,phone',
  'o1,buyer_a,2026-11-01 10:00:00,2026-11-01 10:01:00,completed,100.00,0,1,浙江省,杭州市,13800000001',
  'o2,buyer_b,2026-11-02 10:00:00,2026-11-02 10:01:00,completed,50.00,0,1,北京市,北京市,13800000002',
  'o3,buyer_c,2026-11-01 12:00:00,,created,70.00,0,1,上海市,上海市,13800000003',
].join('\n');

describe('the warehouse command line', () => {
  it('loads, builds and answers queries as CSV and JSON on stdout only', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warehouse-cli-'));
    const inbox = writeFiles({ 'orders.csv': orders });

    const load = runCli(['load', join(inbox, 'orders.csv')], dataDir);
    expect(load.status).toBe(0);
    expect(load.stderr).toContain('raw.orders: 3 read, 3 loaded, 0 quarantined');

    const again = runCli(['load', inbox], dataDir);
    expect(again.status).toBe(0);
    expect(again.stderr).toContain('already loaded into raw.orders (file 1), nothing changed');

    const build = runCli(['build'], dataDir);
    expect(build.status).toBe(0);
    expect(build.stderr).toMatch(/marts\.member_facts +table +[\d.]+s {2}3 rows/);

    const csv = runCli(['query', 'select count(*) as n, sum(revenue) as revenue from marts.member_facts', '--format', 'csv'], dataDir);
    expect(csv).toMatchObject({ status: 0, stdout: 'n,revenue\n3,150\n' });

    const json = runCli(
      ['query', 'select lifecycle_stage, count(*) as members from marts.member_facts group by 1 order by 1', '--format', 'json'],
      dataDir,
    );
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      { lifecycle_stage: 'new', members: 2 },
      { lifecycle_stage: 'prospect', members: 1 },
    ]);

    const table = runCli(['query', "select 'a,b' as label, 2 as n"], dataDir);
    expect(table.stdout).toBe('label  n\n-----  -\na,b    2\n(1 row)\n');
  });

  it('exits non-zero with a clear message and nothing on stdout', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warehouse-cli-'));
    const noWarehouse = runCli(['query', 'select 1'], dataDir);
    expect(noWarehouse.status).toBe(1);
    expect(noWarehouse.stderr).toContain('warehouse.duckdb yet: build one first (npm start, or npm run warehouse -- refresh)');

    expect(runCli(['load', join(writeFiles({ 'orders.csv': orders }), 'orders.csv')], dataDir).status).toBe(0);
    const badQuery = runCli(['query', 'select no_such_column'], dataDir);
    expect(badQuery.status).toBe(1);
    expect(badQuery.stdout).toBe('');
    expect(badQuery.stderr).toContain('error: Binder Error: Referenced column "no_such_column" was not found');

    const badFormat = runCli(['query', 'select 1', '--format', 'xml'], dataDir);
    expect(badFormat.status).toBe(1);
    expect(badFormat.stderr).toContain("--format must be table, csv or json, not 'xml'");

    const badSelect = runCli(['build', '--select', 'no_such_model'], dataDir);
    expect(badSelect.status).toBe(1);
    expect(badSelect.stderr).toContain("no model named 'no_such_model'");

    const missingFile = runCli(['load', join(dataDir, 'nowhere.csv')], dataDir);
    expect(missingFile.status).toBe(1);
    expect(missingFile.stderr).toContain('nowhere.csv: no such file or folder');

    const badEnv = runCli(['build'], dataDir, { WAREHOUSE_MEMORY_LIMIT: 'lots' });
    expect(badEnv.status).toBe(1);
    expect(badEnv.stderr).toContain('invalid environment: WAREHOUSE_MEMORY_LIMIT: like 4GB');
  });

  it('prints help for every command', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warehouse-cli-'));
    const help = runCli(['--help'], dataDir);
    expect(help.status).toBe(0);
    for (const command of ['load', 'build', 'test', 'refresh', 'query', 'generate', 'main']) expect(help.stdout).toContain(command);
    const buildHelp = runCli(['build', '--help'], dataDir);
    expect(buildHelp.stdout).toContain('--select');
    expect(buildHelp.stdout.replace(/\s+/g, ' ')).toContain('it does not load files, publish the marts or the site, or export audiences');
  });

  it('prints help plain, no line over 80 characters, when piped', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warehouse-cli-'));
    // runCli sets NO_COLOR and vitest sets TEST, both of which citty's colours honour: only the pipe is left.
    const piped = { NO_COLOR: '', TEST: '', CI: '' };
    for (const args of [['--help'], ['build', '--help'], ['audience', '--help']]) {
      const help = runCli(args, dataDir, piped);
      expect(help.status).toBe(0);
      expect(help.stdout).not.toContain('\x1b');
      expect(help.stdout.split('\n').filter((line) => line.length > 80)).toEqual([]);
    }
  });
});
