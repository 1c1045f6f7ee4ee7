import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  Decimal,
  Float64,
  Int32,
  makeData,
  makeVector,
  Table,
  TimestampMillisecond,
  tableToIPC,
  Utf8,
  vectorFromArray,
} from 'apache-arrow';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadFile } from '../../pipelines/load/load-file.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

// DECIMAL(18,2) values as Arrow stores them: 128-bit two's complement integers of hundredths.
function decimals(hundredths: Array<number | null>) {
  const words = new Uint32Array(hundredths.length * 4);
  hundredths.forEach((value, index) => {
    const wide = BigInt.asUintN(128, BigInt(value ?? 0));
    for (let word = 0; word < 4; word++) words[index * 4 + word] = Number((wide >> BigInt(32 * word)) & 0xffffffffn);
  });
  const nullBitmap = new Uint8Array(Math.ceil(hundredths.length / 8));
  hundredths.forEach((value, index) => {
    if (value !== null) nullBitmap[index >> 3]! |= 1 << (index & 7);
  });
  const nullCount = hundredths.filter((value) => value === null).length;
  return makeVector(makeData({ type: new Decimal(2, 18, 128), length: hundredths.length, nullCount, nullBitmap, data: words }));
}

const orders = new Table({
  order_id: vectorFromArray(['a1', 'a2', 'a3'], new Utf8()),
  member_id: vectorFromArray(['m1', 'm2', 'm1'], new Utf8()),
  // No time zone: wall-clock shop time. With one: an instant, converted to shop time (UTC+8).
  created_at: vectorFromArray(
    [new Date(Date.UTC(2026, 10, 11, 9, 30)), new Date(Date.UTC(2026, 10, 12, 0, 0)), new Date(Date.UTC(2026, 10, 13, 12, 0))],
    new TimestampMillisecond(),
  ),
  paid_at: vectorFromArray(
    [new Date(Date.UTC(2026, 10, 11, 1, 31)), null, new Date(Date.UTC(2026, 10, 13, 4, 1))],
    new TimestampMillisecond('UTC'),
  ),
  status: vectorFromArray(['completed', 'created', 'paid']),
  paid_amount: vectorFromArray([1299.5, 88, 10], new Float64()),
  refund_amount: decimals([12345, null, -500]),
  item_count: vectorFromArray([2, null, 1], new Int32()),
});

describe('Arrow IPC input', () => {
  it.each([
    ['file', 'orders.arrow'],
    ['stream', 'orders-2026-11-13.arrows'],
  ] as const)('loads the %s format field by field', async (format, name) => {
    const dir = writeFiles({});
    writeFileSync(join(dir, name), tableToIPC(orders, format));
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(dir, name), { ...repoSeeds });
      expect(result).toMatchObject({ table: 'orders', format: 'arrow', rowsRead: 3, rowsLoaded: 2, rowsQuarantined: 1 });
      const { rows } =
        await sql`select order_id, member_id, strftime(created_at, '%Y-%m-%d %H:%M:%S') as created_at, strftime(paid_at, '%Y-%m-%d %H:%M:%S') as paid_at,
        status, paid_amount, refund_amount, item_count, _line from raw.orders order by order_id`.execute(db);
      expect(rows).toEqual([
        {
          order_id: 'a1',
          member_id: 'm1',
          created_at: '2026-11-11 09:30:00',
          paid_at: '2026-11-11 09:31:00',
          status: 'completed',
          paid_amount: 1299.5,
          refund_amount: 123.45,
          item_count: 2,
          _line: 1,
        },
        {
          order_id: 'a2',
          member_id: 'm2',
          created_at: '2026-11-12 00:00:00',
          paid_at: null,
          status: 'created',
          paid_amount: 88,
          refund_amount: null,
          item_count: null,
          _line: 2,
        },
      ]);
      const quarantine = await db.selectFrom('ops.quarantine').select(['line', 'reason', 'record']).execute();
      expect(quarantine).toMatchObject([{ line: 3, reason: 'breaks the rule refund_amount >= 0' }]);
      expect(JSON.parse(quarantine[0]!.record!)).toMatchObject({
        order_id: 'a3',
        refund_amount: '-5.00',
        paid_at: '2026-11-13T04:01:00.000Z',
      });
    });
  });

  it('appends a file of several record batches in chunks, numbering records across batches', async () => {
    const batch = (from: number, count: number) =>
      new Table({
        member_id: vectorFromArray(
          Array.from({ length: count }, (_, index) => `m${from + index}`),
          new Utf8(),
        ),
        birth_year: vectorFromArray(
          Array.from({ length: count }, (_, index) => 1950 + ((from + index) % 50)),
          new Int32(),
        ),
      });
    const table = batch(1, 3000).concat(batch(3001, 2000));
    expect(table.batches.length).toBe(2);
    const dir = writeFiles({});
    writeFileSync(join(dir, 'members.arrow'), tableToIPC(table, 'file'));
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(dir, 'members.arrow'), { ...repoSeeds });
      expect(result).toMatchObject({ table: 'members', rowsRead: 5000, rowsLoaded: 5000 });
      const { rows } = await sql<Record<string, number>>`select count(distinct _line) as lines, min(_line) as first, max(_line) as last,
        count(*) filter (where member_id <> 'm' || _line) as misnumbered, sum(birth_year) as years from raw.members`.execute(db);
      // Σ over i = 1..5000 of 1950 + i mod 50: 100 full cycles of 0..49 (sum 1225 each).
      expect(rows[0]).toEqual({ lines: 5000, first: 1, last: 5000, misnumbered: 0, years: 5000 * 1950 + 100 * 1225 });
    });
  });

  it('refuses a file that is not Arrow IPC', async () => {
    const dir = writeFiles({ 'orders.arrow': 'order_id,member_id\n1,2\n' });
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'orders.arrow'), { ...repoSeeds })).rejects.toThrow(/orders\.arrow: cannot read as Arrow IPC/);
    });
  });
});
