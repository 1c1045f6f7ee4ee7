import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadFile } from '../../pipelines/load/load-file.js';
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
      const result = await loadFile(db, join(dir, 'orders.csv'));
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
        { line: 4, reason: 'unreadable line: Expected Number of Columns: 10 Found: 11' },
        { line: 5, reason: "member_id is missing; paid_amount: 'abc' is not a DECIMAL(18,2)" },
      ]);
    });
  });

  it('skips a file whose content was loaded before, whatever its name', async () => {
    const content = `${header}\no1,m1,2026-11-11 20:00:00,,paid,10.00,0,1,,\n`;
    const dir = writeFiles({ 'orders.csv': content, 'orders-2026-11-12.csv': content });
    await withWarehouse(async ({ db }) => {
      const first = await loadFile(db, join(dir, 'orders.csv'));
      const second = await loadFile(db, join(dir, 'orders-2026-11-12.csv'));
      expect(second).toMatchObject({ skipped: true, fileId: first.fileId, rowsLoaded: 1 });
      const { rows } = await sql<{ n: number }>`select count(*) as n from raw.orders`.execute(db);
      expect(rows[0]?.n).toBe(1);
    });
  });

  it('names the missing and found columns when a file does not fit its table', async () => {
    const dir = writeFiles({ 'orders.csv': 'order_id,buyer,amount\no1,m1,10\n' });
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'orders.csv'))).rejects.toThrow(
        /not a orders file: missing columns member_id, created_at, status, paid_amount\n {2}expected: order_id, member_id, created_at, paid_at\?.*\n {2}found: {4}order_id, buyer, amount/,
      );
      const files = await db.selectFrom('ops.loaded_files').selectAll().execute();
      expect(files).toEqual([]);
    });
  });

  it('reads Parquet and JSON lines, and reports columns it ignores', async () => {
    const dir = writeFiles({
      'members.jsonl': '{"member_id":"m1","joined_at":"2026-01-02 03:04:05","gender":"F","birth_year":1990,"nickname":"x"}\n{"member_id":"m2","birth_year":"nineteen"}\n',
    });
    await withWarehouse(async ({ db }) => {
      const jsonl = await loadFile(db, join(dir, 'members.jsonl'));
      expect(jsonl).toMatchObject({ table: 'members', rowsRead: 2, rowsLoaded: 1, rowsQuarantined: 1, ignoredColumns: ['nickname'] });
      await sql.raw(`copy (select 'm9' as member_id, 1985 as birth_year) to '${join(dir, 'members_extra.parquet')}' (format parquet)`).execute(db);
      const parquet = await loadFile(db, join(dir, 'members_extra.parquet'));
      expect(parquet).toMatchObject({ table: 'members', format: 'parquet', rowsLoaded: 1 });
      const { rows } = await sql<{ member_id: string; birth_year: number; _line: number }>`
        select member_id, birth_year, _line from raw.members order by member_id`.execute(db);
      expect(rows).toEqual([{ member_id: 'm1', birth_year: 1990, _line: 1 }, { member_id: 'm9', birth_year: 1985, _line: 1 }]);
      const reasons = await db.selectFrom('ops.quarantine').select(['line', 'reason']).execute();
      expect(reasons).toEqual([{ line: 2, reason: "birth_year: 'nineteen' is not a INTEGER" }]);
    });
  });

  it('refuses a file whose name names no table', async () => {
    const dir = writeFiles({ 'export.csv': `${header}\n` });
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'export.csv'))).rejects.toThrow(/cannot tell which table.*or pass --table/);
    });
  });
});
