import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { deliver, expectSucceeded, fileHash } from '../helpers/refresh-state.js';
import { runCli } from '../helpers/run-cli.js';
import { writeFiles } from '../helpers/write-files.js';

// By hand: October 2026 is the last complete month (one order on 2026-11-05 makes November the
// partial one). Its buyers: member a (120.00 and 80.00, two days: the one repeat buyer) and eleven
// new members n1…n11 at 123.45: 12 buyers, revenue 200.00 + 1,357.95 = ¥1,557.95, 11 new members.
// September 2026: 3 buyers at 50.00 (¥150): buyers +300.0%, revenue 1557.95 / 150 − 1 = +938.6%.
// October 2025: a and b at 100.00 (¥200): buyers +500.0%, revenue 1557.95 / 200 − 1 = +679.0%.
const header = 'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city';
const order = (id: string, member: string, day: string, amount: string) =>
  `${id},${member},${day} 12:00:00,${day} 12:00:00,completed,${amount},0,1,浙江省,杭州市`;
const orders = [
  header,
  order('y1', 'a', '2025-10-10', '100.00'),
  order('y2', 'b', '2025-10-11', '100.00'),
  ...['c', 'd', 'e'].map((member, i) => order(`s${i}`, member, `2026-09-0${i + 1}`, '50.00')),
  order('o1', 'a', '2026-10-03', '120.00'),
  order('o2', 'a', '2026-10-20', '80.00'),
  ...Array.from({ length: 11 }, (_, i) => order(`n${i + 1}`, `n${i + 1}`, `2026-10-${String(i + 1).padStart(2, '0')}`, '123.45')),
  order('v1', 'c', '2026-11-05', '10.00'),
].join('\n');
const hostileName = '<script>alert(1)</script> & "双十一"';
const campaigns = `campaign_id,name,channel,sent_at,cost_per_contact\nc1,"${hostileName.replaceAll('"', '""')}",sms,2026-10-15 10:00:00,0.05\n`;

const run = (command: string, args: string[]) => execFileSync(command, args, { encoding: 'utf8' });

describe('the monthly report', () => {
  let dataDir: string;
  let pdf: string;
  let firstLog: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'monthly-report-'));
    // A published site (a folder will do) gets the new report at once.
    mkdirSync(join(dataDir, 'site'));
    deliver(dataDir, writeFiles({ 'orders.csv': orders, 'campaigns.csv': campaigns }));
    const refreshed = runCli(['refresh', '--no-audiences', '--no-site'], dataDir);
    expectSucceeded(refreshed);
    firstLog = `${refreshed.stdout}${refreshed.stderr}`;
    pdf = join(dataDir, 'reports', '2026-10.pdf');
  });

  it('is written for the last complete month, named in the log, into the published site too, on one or two A4 pages', () => {
    expect(firstLog).toContain(`monthly report: ${pdf}\n`);
    expect(readFileSync(join(dataDir, 'site', 'reports', '2026-10.pdf'))).toEqual(readFileSync(pdf));
    const info = run('pdfinfo', [pdf]);
    expect(info).toMatch(/^Pages:\s+[12]$/m);
    expect(info).toMatch(/^Page size:\s+[\d.]+ x [\d.]+ pts \(A4\)$/m);
  });

  it('holds the headline figures of the month, against the month before and a year before', () => {
    const text = run('pdftotext', ['-layout', pdf, '-']);
    expect(text).toContain('月度报告 Monthly report · 2026-10');
    expect(text).toMatch(/成交人数 Buyers +12 +▲300\.0% +▲500\.0%\n/);
    expect(text).toMatch(/销售额 Revenue +¥1,558 +▲938\.6% +▲679\.0%\n/);
    expect(text).toMatch(/新会员 New members +11 /);
  });

  it('draws its text, Chinese and Latin, in the embedded Noto Sans CJK', () => {
    const fonts = run('pdffonts', [pdf]).trim().split('\n').slice(2);
    expect(fonts.length).toBeGreaterThan(0);
    // Columns: name, type, encoding, emb, sub, uni, object ID (Chromium prints the CFF font as Type 3, unnamed).
    for (const font of fonts) expect(font.split(/\s+/).at(-5), font).toBe('yes');
    // Chromium names the font in each Type 3 font's descriptor only; a missing CJK font would be DejaVu's boxes.
    const families = new Set([...readFileSync(pdf, 'latin1').matchAll(/\/FontFamily \(([^)]*)\)/g)].map((match) => match[1]));
    expect([...families]).toEqual(['Noto Sans CJK SC']);
  });

  it('shows a hostile campaign name as text', () => {
    expect(run('pdftotext', [pdf, '-'])).toContain(hostileName);
  });

  it('is not written again by a later refresh in the same month', () => {
    const before = fileHash(pdf);
    deliver(dataDir, writeFiles({ 'orders-2.csv': [header, order('v2', 'd', '2026-11-06', '20.00')].join('\n') }));
    // On so small a shop one order moves the all-time repeat rates past the publish guards.
    const refreshed = runCli(['refresh', '--no-audiences', '--no-site', '--accept-changes'], dataDir);
    expectSucceeded(refreshed);
    expect(`${refreshed.stdout}${refreshed.stderr}`).toContain('building models');
    expect(`${refreshed.stdout}${refreshed.stderr}`).not.toContain('monthly report');
    expect(fileHash(pdf)).toBe(before);
    expect(existsSync(join(dataDir, 'reports', '2026-11.pdf'))).toBe(false);
  });
});
