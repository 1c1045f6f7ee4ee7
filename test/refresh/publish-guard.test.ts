import { mkdirSync, mkdtempSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { deliver, fileHash, publishedPath } from '../helpers/refresh-state.js';
import { runCli } from '../helpers/run-cli.js';
import { writeFiles } from '../helpers/write-files.js';

// A shop whose numbers can be told by hand, every order 10.00 and one occasion:
// September: m001-m100 once each, revenue 1000.00; October: m101-m200, 1000.00;
// November 1-20: m201-m300 and a second purchase by m001-m020, 1200.00. The as-of date is
// 2026-11-20, so September and October are closed; 20 of 300 buyers are repeat buyers (6.7%).
const header = 'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city';
const order = (id: string, member: string, day: string, amount = '10.00') =>
  `${id},${member},${day} 12:00:00,${day} 12:00:00,completed,${amount},0,1,浙江省,杭州市`;
const pad = (n: number) => String(n).padStart(3, '0');
const day = (month: number, n: number) => `2026-${month}-${String(n).padStart(2, '0')}`;
const shop = [
  header,
  ...Array.from({ length: 100 }, (_, i) => order(`s${pad(i + 1)}`, `m${pad(i + 1)}`, day(9, (i % 30) + 1))),
  ...Array.from({ length: 100 }, (_, i) => order(`o${pad(i + 101)}`, `m${pad(i + 101)}`, day(10, (i % 30) + 1))),
  ...Array.from({ length: 100 }, (_, i) => order(`n${pad(i + 201)}`, `m${pad(i + 201)}`, day(11, (i % 20) + 1))),
  ...Array.from({ length: 20 }, (_, i) => order(`r${pad(i + 1)}`, `m${pad(i + 1)}`, day(11, i + 1))),
].join('\n');
// A later export restating order s001 of September at 110.00: September's revenue 1000 -> 1100, +10%.
const restated = [header, order('s001', 'm001', '2026-09-01', '110.00')].join('\n');
// An ordinary new day: a new buyer, a second purchase (m021) and a third (m001). Repeat buyers 21
// of 301 (7.0%, +0.3 points); no closed month changes.
const newDay = [header, order('d1', 'm301', '2026-11-21'), order('d2', 'm021', '2026-11-21'), order('d3', 'm001', '2026-11-21')].join('\n');

const refresh = (dataDir: string, ...args: string[]) => runCli(['refresh', '--no-audiences', ...args], dataDir);

async function query(file: string, text: string): Promise<Record<string, unknown>[]> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(text)).getRowObjectsJson() as Record<string, unknown>[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const septemberRevenue = async (file: string) =>
  (await query(file, "select revenue::varchar as revenue from marts.kpi_monthly where month = '2026-09-01'"))[0]?.revenue;

describe('the publish guard', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'publish-guard-'));
  const warehouse = join(dataDir, 'warehouse.duckdb');
  const moved = 'revenue of 2026-09 rose 10.0% (1000 → 1100; more than 2% holds)';

  it('holds a later file restating a closed month by 10%: the published marts and site stand, and status and the run log say why', async () => {
    deliver(dataDir, writeFiles({ 'orders.csv': shop }));
    expect(refresh(dataDir, '--no-site').status).toBe(0);
    expect(await septemberRevenue(publishedPath(dataDir))).toBe('1000.00');
    const published = fileHash(publishedPath(dataDir));
    // A site as a refresh leaves it: data/site, a link to its folder in data/sites.
    mkdirSync(join(dataDir, 'sites/site-before'), { recursive: true });
    writeFileSync(join(dataDir, 'sites/site-before/index.html'), 'the site before');
    symlinkSync('sites/site-before', join(dataDir, 'site'));

    deliver(dataDir, writeFiles({ 'orders-restated.csv': restated }));
    // With the site: were it not held, this refresh would build and link a new one.
    const held = refresh(dataDir);
    expect(held.status).toBe(3);
    expect(held.stderr).toContain(
      `error: publish held: 1 of 8 figures moved beyond seeds/publish_guards.csv since the marts run 1 published: ${moved}; files loaded since: orders-restated.csv (run 2); the published marts and site stand; check those files, and if the change is meant, publish it with refresh --accept-changes\n`,
    );
    expect(fileHash(publishedPath(dataDir))).toBe(published);
    expect(readlinkSync(join(dataDir, 'site'))).toBe('sites/site-before');
    expect(readdirSync(join(dataDir, 'sites'))).toEqual(['site-before']);
    // The warehouse keeps the new build.
    expect(await septemberRevenue(warehouse)).toBe('1100.00');
    expect(await query(warehouse, 'select run_id, status from ops.runs order by run_id')).toEqual([
      { run_id: '1', status: 'succeeded' },
      { run_id: '2', status: 'held' },
    ]);
    expect(
      await query(
        warehouse,
        'select run_id, action, mart, figure, month::varchar as month, before_value, after_value, change, unit, threshold, files from ops.publish_holds',
      ),
    ).toEqual([
      {
        run_id: '2',
        action: 'held',
        mart: 'kpi_monthly',
        figure: 'revenue',
        month: '2026-09-01',
        before_value: 1000,
        after_value: 1100,
        change: 0.1,
        unit: 'relative',
        threshold: 0.02,
        files: 'orders-restated.csv (run 2)',
      },
    ]);

    const status = runCli(['status'], dataDir).stdout;
    expect(status).toContain(
      [
        'publish held by run 2: the published marts and site are those of run 1; refresh --accept-changes publishes the new build',
        `  ${moved}`,
        '  files loaded since: orders-restated.csv (run 2)',
      ].join('\n'),
    );
  });

  it('stays held when only a parameter changes after it, and --accept-changes publishes it even with nothing new', async () => {
    // 180 days instead of 365 moves no figure here (every repeat buyer's occasions are within 180 days).
    const again = refresh(dataDir, '--no-site', '--set', 'repurchase_window_days=180');
    expect(again.status).toBe(3);
    expect(again.stderr).toContain(`${moved}; files loaded since: orders-restated.csv (run 2);`);

    const accepted = refresh(dataDir, '--no-site', '--accept-changes');
    expect(accepted.status).toBe(0);
    expect(accepted.stderr).toContain(
      `publish guard: accepted (--accept-changes): 1 of 8 figures moved beyond seeds/publish_guards.csv since the marts run 1 published: ${moved}; files loaded since: orders-restated.csv (run 2)\n`,
    );
    expect(await septemberRevenue(publishedPath(dataDir))).toBe('1100.00');
    // The Data page shows what was held and who said yes.
    expect(await query(publishedPath(dataDir), 'select run_id, action, period, summary from marts.data_publish_holds')).toEqual([
      { run_id: '4', action: 'accepted', period: '2026-09', summary: moved },
      { run_id: '3', action: 'held', period: '2026-09', summary: moved },
      { run_id: '2', action: 'held', period: '2026-09', summary: moved },
    ]);
    expect(await query(publishedPath(dataDir), 'select run_id, status from marts.data_runs order by run_id')).toEqual([
      { run_id: '1', status: 'succeeded' },
      { run_id: '2', status: 'held' },
      { run_id: '3', status: 'held' },
      { run_id: '4', status: 'succeeded' },
    ]);
    expect(runCli(['status'], dataDir).stdout).not.toContain('publish held by run');
  });

  it('does not hold an ordinary new day, nor a parameter changed with no file since', async () => {
    deliver(dataDir, writeFiles({ 'orders-2026-11-21.csv': newDay }));
    const nextDay = refresh(dataDir, '--no-site');
    expect(nextDay.status).toBe(0);
    expect(nextDay.stderr).toContain(
      'publish guard: 8 figures compared with the marts run 4 published, none moved beyond seeds/publish_guards.csv\n',
    );
    expect(
      await query(publishedPath(dataDir), "select revenue::varchar as revenue from marts.kpi_monthly where month = '2026-11-01'"),
    ).toEqual([{ revenue: '1230.00' }]);

    // The as-of month's repurchase rate over 30 days instead of 365: 1 repeat buyer (m001) of the 146
    // with an occasion after 2026-10-22, 0.7% instead of 21 of 301, 7.0%: moved, yet by a decision.
    const decided = refresh(dataDir, '--no-site', '--set', 'repurchase_window_days=30');
    expect(decided.status).toBe(0);
    expect(decided.stderr).toContain(
      'publish guard: not compared: since the marts run 5 published, no file was loaded, only the models, seeds or parameters changed\n',
    );
  });
});
