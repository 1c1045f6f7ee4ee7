import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { generateShop } from '../../pipelines/generate/generate-shop.js';
import { shopToday } from '../../pipelines/shop-today.js';
import { publishedDigest } from '../helpers/marts-digest.js';
import { shopTimeZone } from '../helpers/repo-seeds.js';
import { runCli } from '../helpers/run-cli.js';
import { tempConfig } from '../helpers/temp-warehouse.js';

const header = 'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city';
const row = (id: string, member: string, amount = '88.00', extra = '') =>
  `${id},${member},2026-11-19 10:00:00,2026-11-19 10:01:00,completed,${amount},0,1,浙江省,杭州市${extra}`;
const csv = (...rows: string[]) => `${[header, ...rows].join('\n')}\n`;

// The valid rows among the bad files, as a clean export would have carried them.
const validRows = [row('ok-comma', 'tb_00000002'), row('ok-padded', 'tb_00000001'), row('ok-utf16', 'tb_00000003')];

// One file per case of issue #29, each beside rows that are fine.
const badFiles: Record<string, string | Buffer> = {
  'orders-bad-01-dates.csv': csv(
    'bad-2099,tb_00000001,2099-01-01 10:00:00,2099-01-01 10:01:00,completed,88.00,0,1,浙江省,杭州市',
    'bad-0001,tb_00000001,0001-01-01 10:00:00,0001-01-01 10:01:00,completed,88.00,0,1,浙江省,杭州市',
  ),
  // Canonical files are UTF-8: a GBK one is refused, not read as U+FFFD.
  'orders-bad-02-gbk.csv': iconv.encode(csv('bad-gbk,tb_00000001,2026-11-19 10:00:00,,completed,88.00,0,1,浙江省,张三'), 'gbk'),
  // The last field empty: the stray comma of 1,000.00 makes 11 fields, not a shifted row.
  'orders-bad-03-stray-comma.csv': csv(
    'bad-comma,tb_00000001,2026-11-19 10:00:00,2026-11-19 10:01:00,completed,1,000.00,0,1,浙江省,',
    validRows[0]!,
  ),
  'orders-bad-04-huge-amount.csv': csv(row('bad-amount', 'tb_00000001', '9999999999999999.99')),
  'orders-bad-05-padded-id.csv': csv(row('ok-padded', '  tb_00000001 ')),
  'orders-bad-06-phone.csv': csv(
    'bad-phone,tb_00000001,2026-11-19 10:00:00,2026-11-19 10:01:00,completed,88.00,0,13912345678,浙江省,杭州市',
  ),
  'orders-bad-07-paid-before-created.csv': csv(
    'bad-paid,tb_00000001,2026-11-19 10:00:00,2026-11-19 09:00:00,completed,88.00,0,1,浙江省,杭州市',
  ),
  'orders-bad-08-binary.csv': Buffer.from([0x00, 0x01, 0x02, 0xff, 0xfe, 0x00, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00]),
  'orders-bad-09-workbook.csv': Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), Buffer.alloc(200, 0x41)]),
  'orders-bad-10-big5.csv': iconv.encode(csv('bad-big5,tb_00000001,2026-11-19 10:00:00,,completed,88.00,0,1,臺灣省,臺北市'), 'big5'),
  // UTF-16 with a byte-order mark is read.
  'orders-bad-11-utf16.csv': Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(csv(validRows[2]!), 'utf-16le')]),
  'orders-bad-12-long-line.csv': csv(row('bad-long', 'tb_00000001', '88.00').replace('杭州市', '长'.repeat(2_000_000))),
};

/** Everything of ops.quarantine but the record, read from the warehouse file. */
async function quarantine(dataDir: string): Promise<Array<[string, number, string, string]>> {
  const instance = await DuckDBInstance.create(join(dataDir, 'warehouse.duckdb'), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      `select regexp_extract(path, '[^/]+$'), line::integer, reason, public_reason from ops.quarantine order by 1, 2`,
    );
    return reader.getRows() as Array<[string, number, string, string]>;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function shopInInbox(shopDir: string, files: Record<string, string | Buffer>): string {
  const { dataDir } = tempConfig();
  const inbox = join(dataDir, 'inbox');
  mkdirSync(inbox, { recursive: true });
  cpSync(shopDir, inbox, { recursive: true });
  for (const [name, content] of Object.entries(files)) writeFileSync(join(inbox, name), content);
  return dataDir;
}

describe('a clean shop with bad rows and files beside it', () => {
  it('publishes the clean shop and the valid rows among the bad, and reports every row and file it held back', async () => {
    const shopDir = join(tempConfig().dataDir, 'shop');
    await generateShop({ shopTimeZone, members: 300, days: 400, endDate: '2026-11-20', seed: 29, outDir: shopDir });
    const clean = shopInInbox(shopDir, { 'orders-valid.csv': csv(...validRows) });
    const dirty = shopInInbox(shopDir, badFiles);

    const cleanRun = runCli(['refresh', '--no-site', '--no-audiences'], clean);
    expect(cleanRun.stderr).not.toMatch(/^error:/m);
    expect(cleanRun.status).toBe(0);
    const dirtyRun = runCli(['refresh', '--no-site', '--no-audiences'], dirty);

    // Published, with exit status 2: the refused files are named, one line each, and stay in the inbox.
    expect(dirtyRun.status).toBe(2);
    const refusals = dirtyRun.stderr.slice(dirtyRun.stderr.indexOf('error: ')).trim().split('\n');
    expect(refusals[0]).toMatch(/^error: published without 4 of \d+ files, which could not be loaded and stay in the inbox:$/);
    expect(refusals.slice(1).map((line) => line.match(/orders-bad-\d\d-[a-z0-9-]+\.csv/)?.[0])).toEqual([
      'orders-bad-02-gbk.csv',
      'orders-bad-08-binary.csv',
      'orders-bad-09-workbook.csv',
      'orders-bad-10-big5.csv',
    ]);
    expect(refusals[1]).toMatch(/GB18030/);
    expect(refusals[3]).toMatch(/Excel/);
    expect(refusals[4]).toMatch(/Big5/);
    for (const line of refusals) expect(line.length).toBeLessThan(600);

    expect(await publishedDigest(dirty)).toEqual(await publishedDigest(clean));

    const tomorrow = shopToday('Asia/Shanghai', new Date(), -1);
    const outOfRange = `before 1990-01-01 (earliest_order_date) or after ${tomorrow} (tomorrow)`;
    expect(await quarantine(dirty)).toEqual([
      [
        'orders-bad-01-dates.csv',
        2,
        `created_at is ${outOfRange}; paid_at is ${outOfRange}`,
        `created_at is ${outOfRange}; paid_at is ${outOfRange}`,
      ],
      [
        'orders-bad-01-dates.csv',
        3,
        `created_at is ${outOfRange}; paid_at is ${outOfRange}`,
        `created_at is ${outOfRange}; paid_at is ${outOfRange}`,
      ],
      [
        'orders-bad-03-stray-comma.csv',
        2,
        'unreadable line: expected 10 fields, found 11',
        'unreadable line: expected 10 fields, found 11',
      ],
      [
        'orders-bad-04-huge-amount.csv',
        2,
        'paid_amount is more than 1000000.00 (max_order_amount)',
        'paid_amount is more than 1000000.00 (max_order_amount)',
      ],
      ['orders-bad-06-phone.csv', 2, "item_count: '13912345678' is not a INTEGER", 'item_count is not a INTEGER'],
      ['orders-bad-07-paid-before-created.csv', 2, 'paid_at is before created_at', 'paid_at is before created_at'],
      ['orders-bad-12-long-line.csv', 2, 'city: 2,000,000 characters, more than 65,536', 'city: 2,000,000 characters, more than 65,536'],
    ]);
  }, 300_000);
});
