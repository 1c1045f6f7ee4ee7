import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { deliver, expectSucceeded } from '../helpers/refresh-state.js';
import { runCli } from '../helpers/run-cli.js';
import { writeFiles } from '../helpers/write-files.js';

// January to September 2026: ten new buyers a month, one order of 10.00 each (buyers 10, revenue
// 100.00, MAD 0); October, the last complete month: thirty. One order on 2026-11-05 makes November
// the partial month. Buyers, new buyers and revenue are above their usual range (the median of the
// nine months before, ± 3 × 0); AOV (10.00) and the repurchase rate (0) are not.
const header = 'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city';
const order = (id: string, day: string) => `${id},m${id},${day} 12:00:00,${day} 12:00:00,completed,10.00,0,1,浙江省,杭州市`;
const month = (m: number, buyers: number) =>
  Array.from({ length: buyers }, (_, i) => order(`${m}-${i + 1}`, `2026-${String(m).padStart(2, '0')}-${String(i + 1).padStart(2, '0')}`));
const shop = [header, ...Array.from({ length: 9 }, (_, i) => month(i + 1, 10)).flat(), ...month(10, 30), order('11-1', '2026-11-05')].join(
  '\n',
);

const alerts = [
  "buyers 30 above its usual 10–10 (9 months' median ± 3 MADs)",
  "new buyers 30 above its usual 10–10 (9 months' median ± 3 MADs)",
  "revenue ¥300 above its usual ¥100–¥100 (9 months' median ± 3 MADs)",
];

describe('alerts in the run log and status', () => {
  it('says none, and how many metrics it checked for which month, when October is as usual', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'alerts-'));
    const usual = [header, ...Array.from({ length: 10 }, (_, i) => month(i + 1, 10)).flat(), order('11-1', '2026-11-05')].join('\n');
    deliver(dataDir, writeFiles({ 'orders.csv': usual }));
    const refreshed = runCli(['refresh', '--no-audiences', '--no-site'], dataDir);
    expectSucceeded(refreshed);
    expect(`${refreshed.stdout}${refreshed.stderr}`).toContain('alerts: none (5 metrics checked for 2026-10)');
    expect(runCli(['status'], dataDir).stdout).toContain('alerts     none (5 metrics checked for 2026-10)\n');
  });

  it('logs each alert after the build, and status reads them from the published marts', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'alerts-'));
    deliver(dataDir, writeFiles({ 'orders.csv': shop }));
    const refreshed = runCli(['refresh', '--no-audiences', '--no-site'], dataDir);
    expectSucceeded(refreshed);
    const logged = `${refreshed.stdout}${refreshed.stderr}`.split('\n').filter((line) => line.includes('alerts: '));
    expect(logged.map((line) => line.slice(line.indexOf('alerts: ') + 'alerts: '.length))).toEqual(alerts);
    const status = runCli(['status'], dataDir);
    expect(status.status).toBe(0);
    expect(status.stdout.split('\n').filter((line) => line.startsWith('alerts'))).toEqual([`alerts     ${alerts.join('; ')}`]);
  });
});
