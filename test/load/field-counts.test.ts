import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readMapping } from '../../pipelines/load/input-mapping.js';
import { loadFile } from '../../pipelines/load/load-file.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

const header = 'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city,phone,channel';
const at = '2026-11-11 10:00:00';

describe('a record whose field count is not the header’s', () => {
  it('is quarantined with both counts, whatever its last field holds, in a file without quotes', async () => {
    const dir = writeFiles({
      'orders.csv': [
        header,
        `o1,tb_0001,${at},,paid,1,000.00,0,1,浙江省,杭州市,13800000000,`, // a stray comma, the last field empty
        `o2,tb_0002,${at},,paid,1,000.00,0,1,浙江省,杭州市,13800000000,tmall`, // the same, the last field filled
        `o3,tb_0003,${at},,paid,88.00,0,1,浙江省,杭州市,,,`, // two empty fields too many
        `o4,tb_0004,${at},,paid,88.00,0,1,浙江省,杭州市,13800000000`, // one field short
        `o5,tb_0005,${at},,paid,1000.00,0,1,浙江省,杭州市,13800000000,`, // twelve fields, the last empty
      ].join('\n'),
    });
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds });
      expect(result).toMatchObject({ rowsRead: 5, rowsLoaded: 1, rowsQuarantined: 4 });
      const { rows } = await sql`select order_id, paid_amount, province, city, phone, channel, _line from raw.orders`.execute(db);
      expect(rows).toEqual([
        { order_id: 'o5', paid_amount: 1000, province: '浙江省', city: '杭州市', phone: '13800000000', channel: null, _line: 6 },
      ]);
      const quarantine = await db.selectFrom('ops.quarantine').select(['line', 'reason']).orderBy('line').execute();
      expect(quarantine).toEqual([
        { line: 2, reason: 'unreadable line: expected 12 fields, found 13' },
        { line: 3, reason: 'unreadable line: expected 12 fields, found 13' },
        { line: 4, reason: 'unreadable line: expected 12 fields, found 13' },
        { line: 5, reason: 'unreadable line: expected 12 fields, found 11' },
      ]);
    });
  });

  it('is counted outside quoted fields, over every line of a record that spans lines', async () => {
    const dir = writeFiles({
      'orders.csv': [
        header,
        `o1,tb_0001,${at},,paid,1000.00,0,1,浙江省,"杭州市,西湖区",13800000000,`, // 12: a delimiter inside quotes
        `o2,tb_0002,${at},,paid,1,000.00,0,1,浙江省,"杭州市,西湖区",13800000000,`, // 13
        `o3,tb_0003,${at},,paid,1,000.00,0,1,浙江省,"杭州市`, // lines 4 and 5: one record of 13
        '西湖区",13800000000,',
        `o4,tb_0004,${at},,paid,1000.00,0,1,浙江省,"杭州市`, // lines 6 and 7: one record of 12
        '西湖区",13800000000,app',
        `o5,tb_0005,${at},,paid,1000.00,0,1,浙江省,杭州市,,`,
      ].join('\n'),
    });
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds });
      expect(result).toMatchObject({ rowsRead: 5, rowsLoaded: 3, rowsQuarantined: 2 });
      const { rows } = await sql`select order_id, city, phone, channel, _line from raw.orders order by _line`.execute(db);
      expect(rows).toEqual([
        { order_id: 'o1', city: '杭州市,西湖区', phone: '13800000000', channel: null, _line: 2 },
        { order_id: 'o4', city: '杭州市\n西湖区', phone: '13800000000', channel: 'app', _line: 6 },
        { order_id: 'o5', city: '杭州市', phone: null, channel: null, _line: 8 },
      ]);
      const quarantine = await db.selectFrom('ops.quarantine').select(['line', 'reason', 'record']).orderBy('line').execute();
      expect(quarantine).toEqual([
        {
          line: 3,
          reason: 'unreadable line: expected 12 fields, found 13',
          record: JSON.stringify({ line: `o2,tb_0002,${at},,paid,1,000.00,0,1,浙江省,"杭州市,西湖区",13800000000,` }),
        },
        {
          line: 4,
          reason: 'unreadable line: expected 12 fields, found 13',
          record: JSON.stringify({ line: `o3,tb_0003,${at},,paid,1,000.00,0,1,浙江省,"杭州市\n西湖区",13800000000,` }),
        },
      ]);
    });
  });

  it("is counted against a headerless mapping's field names", async () => {
    const dir = writeFiles({
      'shop.json': JSON.stringify({
        description: 'semicolon export without header',
        delimiter: ';',
        header: false,
        fields: ['id', 'member', 'created', 'amount'],
        tables: {
          orders: { columns: { order_id: 'id', member_id: 'member', created_at: 'created', status: "'paid'", paid_amount: 'amount' } },
        },
      }),
      'export.txt': [`o1;m1;${at};5.00`, `o2;m2;${at};7.50;`, `o3;m3;${at};1;000.00`, `o4;m4;${at}`].join('\n'),
    });
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(dir, 'export.txt'), { ...repoSeeds, mapping: readMapping(join(dir, 'shop.json')) });
      expect(result).toMatchObject({ rowsRead: 4, rowsLoaded: 1, rowsQuarantined: 3 });
      const quarantine = await db.selectFrom('ops.quarantine').select(['line', 'reason']).orderBy('line').execute();
      expect(quarantine).toEqual([
        { line: 2, reason: 'unreadable line: expected 4 fields, found 5' },
        { line: 3, reason: 'unreadable line: expected 4 fields, found 5' },
        { line: 4, reason: 'unreadable line: expected 4 fields, found 3' },
      ]);
    });
  });
});
