import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readFormat } from '../../pipelines/load/input-mapping.js';
import { loadFile } from '../../pipelines/load/load-file.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

const header = 'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city';

describe('loading canonical files', () => {
  it('loads good rows, quarantines bad ones with line and reason, and accounts for every row', async () => {
    const dir = writeFiles({
      'orders.csv': [
        header,
        'o1,m1,2026-11-11 20:00:00,2026-11-11 20:01:00,completed,199.00,0,2,浙江省,杭州市',
        'o2,m2,not a date,,paid,50.00,0,1,广东省,深圳市', // line 3: bad timestamp
        'o3,m3,2026-11-11 21:00:00,,paid,50.00,0,1,广东省,深圳市,extra', // line 4: too many columns
        'o4,,2026-11-11 22:00:00,,paid,abc,0,1,,', // line 5: member missing and amount not a number
        'o5,m5,2026-11-12 08:00:00,2026-11-12 08:00:05,shipped,88.50,,1,北京市,北京市',
      ].join('\n'),
    });
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds });
      expect(result).toMatchObject({ table: 'orders', format: 'csv', skipped: false, rowsRead: 5, rowsLoaded: 2, rowsQuarantined: 3 });
      const loaded = await sql<{ order_id: string; paid_amount: number; _line: number }>`
        select order_id, paid_amount, _line from raw.orders order by order_id`.execute(db);
      expect(loaded.rows).toEqual([
        { order_id: 'o1', paid_amount: 199, _line: 2 },
        { order_id: 'o5', paid_amount: 88.5, _line: 6 },
      ]);
      const quarantine = await db.selectFrom('ops.quarantine').select(['line', 'reason']).orderBy('line').execute();
      expect(quarantine).toEqual([
        { line: 3, reason: "created_at: 'not a date' is not a TIMESTAMP" },
        { line: 4, reason: 'unreadable line: expected 10 fields, found 11' },
        { line: 5, reason: "member_id is missing; paid_amount: 'abc' is not a DECIMAL(18,2)" },
      ]);
      // The quarantined row keeps every field as read, so it can be fixed and sent again.
      const [record] = await db.selectFrom('ops.quarantine').select('record').where('line', '=', 5).execute();
      expect(JSON.parse(record!.record!)).toEqual({
        order_id: 'o4',
        member_id: null,
        created_at: '2026-11-11 22:00:00',
        paid_at: null,
        status: 'paid',
        paid_amount: 'abc',
        refund_amount: '0',
        item_count: '1',
        province: null,
        city: null,
      });
    });
  });

  it('skips a file whose content was loaded before, whatever its name', async () => {
    const content = `${header}\no1,m1,2026-11-11 20:00:00,,paid,10.00,0,1,,\n`;
    const dir = writeFiles({ 'orders.csv': content, 'orders-2026-11-12.csv': content });
    await withWarehouse(async ({ db }) => {
      const [first] = await loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds });
      const [second] = await loadFile(db, join(dir, 'orders-2026-11-12.csv'), { ...repoSeeds });
      expect(second).toMatchObject({ skipped: true, fileId: first!.fileId, rowsLoaded: 1 });
      const { rows } = await sql<{ n: number }>`select count(*) as n from raw.orders`.execute(db);
      expect(rows[0]?.n).toBe(1);
    });
  });

  it('quarantines each line whose quotes do not balance on its own, and reads the lines around it with their own line numbers', async () => {
    const at = '2026-11-11 10:00:00,completed,10';
    const dir = writeFiles({
      'orders.csv': [
        'order_id,member_id,created_at,status,paid_amount',
        `o1,anna,${at}`,
        `o2,"nick,${at}`, // line 3: a quote never closed
        `o3,bob,${at}`,
        `o4,ni"ck,${at}`, // line 5: a quote inside an unquoted field
        `o5,"Smith, Carl",${at}`,
        `o6,"an"na,${at}`, // line 7: text after a closing quote
        'o7,"two', // lines 8 and 9: one record, a quoted line break
        `lines",${at}`,
        `o8,="tb8",${at}`, // quotes in pairs inside an unquoted field are text
        '', // line 11: blank, no record
        `o9,"dan ""the man""",${at}`,
        `o10,"eve,${at}`, // line 13: a quote never closed, at the end
        '',
      ].join('\n'),
    });
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds });
      // By hand: records on lines 2 to 10, 12 and 13 (8-9 being one): 10 read; 3, 5, 7 and 13 quarantined.
      expect(result).toMatchObject({ rowsRead: 10, rowsLoaded: 6, rowsQuarantined: 4, rowsSkipped: 0 });
      const loaded = await sql<{ order_id: string; member_id: string; _line: number }>`
        select order_id, member_id, _line from raw.orders order by _line`.execute(db);
      expect(loaded.rows).toEqual([
        { order_id: 'o1', member_id: 'anna', _line: 2 },
        { order_id: 'o3', member_id: 'bob', _line: 4 },
        { order_id: 'o5', member_id: 'Smith, Carl', _line: 6 },
        { order_id: 'o7', member_id: 'two\nlines', _line: 8 },
        { order_id: 'o8', member_id: '="tb8"', _line: 10 },
        { order_id: 'o9', member_id: 'dan "the man"', _line: 12 },
      ]);
      const quarantine = await db.selectFrom('ops.quarantine').select(['line', 'reason', 'record']).orderBy('line').execute();
      expect(quarantine).toEqual([
        { line: 3, reason: 'unreadable line: unterminated quote', record: JSON.stringify({ line: `o2,"nick,${at}` }) },
        { line: 5, reason: 'unreadable line: stray quote', record: JSON.stringify({ line: `o4,ni"ck,${at}` }) },
        { line: 7, reason: 'unreadable line: stray quote', record: JSON.stringify({ line: `o6,"an"na,${at}` }) },
        { line: 13, reason: 'unreadable line: unterminated quote', record: JSON.stringify({ line: `o10,"eve,${at}` }) },
      ]);
    });
  });

  it('quarantines a quote never closed on the last line, without a final line break, as that line', async () => {
    const dir = writeFiles({
      'orders.csv': 'order_id,member_id,created_at,status,paid_amount\no1,anna,2026-11-11 10:00:00,completed,10\n"o2,nick',
    });
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds });
      expect(result).toMatchObject({ rowsRead: 2, rowsLoaded: 1, rowsQuarantined: 1 });
      const quarantine = await db.selectFrom('ops.quarantine').select(['line', 'reason']).execute();
      expect(quarantine).toEqual([{ line: 3, reason: 'unreadable line: unterminated quote' }]);
    });
  });

  it('names the missing and found columns when a file does not fit its table', async () => {
    const dir = writeFiles({ 'orders.csv': 'order_id,buyer,amount\no1,m1,10\n' });
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds })).rejects.toThrow(
        /not a orders file: missing columns member_id, created_at, status, paid_amount\n {2}expected: order_id, member_id, created_at, paid_at\?.*\n {2}found: {4}order_id, buyer, amount/,
      );
      const files = await db.selectFrom('ops.loaded_files').selectAll().execute();
      expect(files).toEqual([]);
    });
  });

  it('reads Parquet and JSON lines, and reports columns it ignores', async () => {
    const dir = writeFiles({
      'members.jsonl':
        '{"member_id":"m1","joined_at":"2026-01-02 03:04:05","gender":"F","birth_year":1990,"nickname":"x"}\n{"member_id":"m2","birth_year":"nineteen"}\n',
    });
    await withWarehouse(async ({ db }) => {
      const [jsonl] = await loadFile(db, join(dir, 'members.jsonl'), { ...repoSeeds });
      expect(jsonl).toMatchObject({ table: 'members', rowsRead: 2, rowsLoaded: 1, rowsQuarantined: 1, ignoredColumns: ['nickname'] });
      await sql
        .raw(`copy (select 'm9' as member_id, 1985 as birth_year) to '${join(dir, 'members_extra.parquet')}' (format parquet)`)
        .execute(db);
      const [parquet] = await loadFile(db, join(dir, 'members_extra.parquet'), { ...repoSeeds });
      expect(parquet).toMatchObject({ table: 'members', format: 'parquet', rowsLoaded: 1 });
      const { rows } = await sql<{ member_id: string; birth_year: number; _line: number }>`
        select member_id, birth_year, _line from raw.members order by member_id`.execute(db);
      expect(rows).toEqual([
        { member_id: 'm1', birth_year: 1990, _line: 1 },
        { member_id: 'm9', birth_year: 1985, _line: 1 },
      ]);
      const reasons = await db.selectFrom('ops.quarantine').select(['line', 'reason']).execute();
      expect(reasons).toEqual([{ line: 2, reason: "birth_year: 'nineteen' is not a INTEGER" }]);
    });
  });

  it('stores a timestamp given with an offset as shop time (Asia/Shanghai), and one without as it is', async () => {
    const dir = writeFiles({
      'orders.csv': [
        header,
        'o1,m1,2026-11-11T00:00:00Z,,paid,1,,,,',
        'o2,m1,2026-11-11 10:00:00+02:00,,paid,1,,,,',
        'o3,m1,2026-11-11 10:00:00 -0500,,paid,1,,,,',
        'o4,m1,2026-11-11 23:30:00.5+08,,paid,1,,,,',
        'o5,m1,2026-11-11 10:00:00,,paid,1,,,,',
        'o6,m1,2026-11-11,,paid,1,,,,',
        'o7,m1,2026-11-11 25:00:00+02:00,,paid,1,,,,',
      ].join('\n'),
    });
    await withWarehouse(async ({ db }) => {
      await loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds });
      const { rows } = await sql<{ order_id: string; created_at: string }>`
        select order_id, strftime(created_at, '%Y-%m-%d %H:%M:%S.%g') as created_at from raw.orders order by order_id`.execute(db);
      // By hand: UTC+8; 10:00 at UTC+2 is 08:00 UTC, 16:00 in Shanghai; 10:00 at UTC-5 is 15:00 UTC, 23:00 in Shanghai.
      expect(rows).toEqual([
        { order_id: 'o1', created_at: '2026-11-11 08:00:00.000' },
        { order_id: 'o2', created_at: '2026-11-11 16:00:00.000' },
        { order_id: 'o3', created_at: '2026-11-11 23:00:00.000' },
        { order_id: 'o4', created_at: '2026-11-11 23:30:00.500' },
        { order_id: 'o5', created_at: '2026-11-11 10:00:00.000' },
        { order_id: 'o6', created_at: '2026-11-11 00:00:00.000' },
      ]);
      const reasons = await db.selectFrom('ops.quarantine').select(['line', 'reason']).execute();
      expect(reasons).toEqual([{ line: 8, reason: "created_at: '2026-11-11 25:00:00+02:00' is not a TIMESTAMP" }]);
    });
  });

  it('reads a file as --format says, whatever its extension or header', async () => {
    const dir = writeFiles({
      'orders.dat': `${header}\no1,m1,2026-11-11 20:00:00,,paid,1,,,,\n`,
      'orders-tmall.csv':
        '订单编号,买家会员名,买家实际支付金额,订单状态,订单创建时间,订单付款时间,收货地址\n1,tb,1.00,交易成功,2026-11-11 20:00:00,,\n',
    });
    expect(readFormat('csv')).toEqual({ format: 'csv' });
    expect(readFormat('tmall_orders').mapping?.tables.orders).toBeDefined();
    expect(() => readFormat('xlsx')).toThrow(
      /^unknown format 'xlsx': one of csv, parquet, jsonl, arrow, cdnow, cdnow_sample, shopify_orders, tmall_items, tmall_orders, tmall_refunds$/,
    );
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'orders.dat'), { ...repoSeeds })).rejects.toThrow(/unknown file type '.dat'.*or pass --format/);
      const [dat] = await loadFile(db, join(dir, 'orders.dat'), { ...repoSeeds, ...readFormat('csv') });
      expect(dat).toMatchObject({ table: 'orders', format: 'csv', rowsLoaded: 1 });
      // A canonical format turns header recognition off: the Tmall header is then just missing columns.
      await expect(loadFile(db, join(dir, 'orders-tmall.csv'), { ...repoSeeds, ...readFormat('csv') })).rejects.toThrow(
        /not a orders file: missing columns order_id, member_id/,
      );
      const [tmall] = await loadFile(db, join(dir, 'orders-tmall.csv'), { ...repoSeeds, ...readFormat('tmall_orders') });
      expect(tmall).toMatchObject({ table: 'orders', format: 'mapping:tmall_orders', rowsLoaded: 1 });
    });
  });

  it('refuses a file whose name names no table', async () => {
    const dir = writeFiles({ 'export.csv': `${header}\n` });
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'export.csv'), { ...repoSeeds })).rejects.toThrow(/cannot tell which table.*or pass --table/);
    });
  });
});
