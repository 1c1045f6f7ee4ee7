import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadFile } from '../../pipelines/load/load-file.js';
import { readParameters } from '../../pipelines/run/read-parameters.js';
import type { Database } from '../../pipelines/warehouse/database.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { runRefresh } from '../helpers/run-refresh.js';
import { seedsDir } from '../helpers/temp-project.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

const header = 'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city';
// The day after today in Asia/Shanghai (seeds/parameters.csv), and the day after that.
const shanghaiDay = (daysAhead: number) =>
  new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date(Date.now() + daysAhead * 86_400_000));
const tomorrow = shanghaiDay(1);
const outOfRange = (column: string) => `${column} is before 1990-01-01 (earliest_order_date) or after ${tomorrow} (tomorrow)`;

async function quarantined(db: Kysely<Database>) {
  return db
    .selectFrom('ops.quarantine')
    .select(['table_name', 'line', 'reason', 'public_reason'])
    .orderBy('file_id')
    .orderBy('line')
    .execute();
}

describe('plausible values, checked at load', () => {
  it('quarantines dates outside earliest_order_date..tomorrow, amounts over max_order_amount and a payment before creation', async () => {
    const dir = writeFiles({
      'orders.csv': [
        header,
        'o1,tb_0001,2026-11-11 20:00:00,2026-11-11 20:01:00,completed,199.00,0,2,浙江省,杭州市',
        'o2,tb_0002,2099-01-01 10:00:00,,paid,50.00,0,1,,', // line 3
        'o3,tb_0003,0001-01-01 10:00:00,,paid,50.00,0,1,,', // line 4
        'o4,tb_0004,2026-11-11 20:00:00,2026-11-11 19:59:59,paid,50.00,0,1,,', // line 5: paid a second before it was created
        'o5,tb_0005,2026-11-11 20:00:00,,paid,9999999999999999.99,0,1,,', // line 6
        'o6,tb_0006,2026-11-11 20:00:00,2099-01-01 00:00:00,paid,1000000.01,1000000.01,1,,', // line 7
        `o7,tb_0007,${tomorrow} 23:59:59,,paid,1000000.00,0,1,,`, // the last plausible time and the largest amount
        `o8,tb_0008,${shanghaiDay(2)} 00:00:00,,paid,10.00,0,1,,`, // line 9: the day after tomorrow
        'o9,tb_0009,1989-12-31 23:59:59,,paid,10.00,0,1,,', // line 10
        'o10,tb_0010,1990-01-01 00:00:00,,paid,10.00,0,1,,',
      ].join('\n'),
      'order_items.csv': ['order_id,product_id,quantity,unit_price,amount', 'o1,p1,1,199.00,199.00', 'o1,p2,1,2000000.00,2000000.00'].join(
        '\n',
      ),
      'members.csv': ['member_id,joined_at', 'tb_0001,2025-01-01 10:00:00', 'tb_0002,2099-01-01 10:00:00'].join('\n'),
      'campaigns.csv': [
        'campaign_id,name,channel,sent_at,cost_per_contact,coupon_value',
        'c1,双十一,sms,2026-11-10 10:00:00,0.05,20.00',
        'c2,typo,sms,0026-11-10 10:00:00,5000000,20000000',
      ].join('\n'),
      'campaign_contacts.csv': [
        'campaign_id,member_id,contacted_at,arm',
        'c1,tb_0001,2026-11-10 10:00:00,treatment',
        'c1,tb_0002,2099-11-10 10:00:00,control',
      ].join('\n'),
      'opt_outs.csv': ['member_id,channel,opted_out_at', 'tb_0001,sms,2026-11-12 10:00:00', 'tb_0002,sms,1970-01-01 00:00:00'].join('\n'),
    });
    await withWarehouse(async ({ db }) => {
      for (const name of ['orders', 'order_items', 'members', 'campaigns', 'campaign_contacts', 'opt_outs'])
        await loadFile(db, join(dir, `${name}.csv`), { ...repoSeeds });
      const { rows } = await sql<{ order_id: string; paid_amount: number }>`
        select order_id, paid_amount::double as paid_amount from raw.orders order by _line`.execute(db);
      expect(rows).toEqual([
        { order_id: 'o1', paid_amount: 199 },
        { order_id: 'o7', paid_amount: 1_000_000 },
        { order_id: 'o10', paid_amount: 10 },
      ]);
      const more = 'is more than 1000000.00 (max_order_amount)';
      const reasons = [
        { table_name: 'orders', line: 3, reason: outOfRange('created_at') },
        { table_name: 'orders', line: 4, reason: outOfRange('created_at') },
        { table_name: 'orders', line: 5, reason: 'paid_at is before created_at' },
        { table_name: 'orders', line: 6, reason: `paid_amount ${more}` },
        { table_name: 'orders', line: 7, reason: `${outOfRange('paid_at')}; paid_amount ${more}; refund_amount ${more}` },
        { table_name: 'orders', line: 9, reason: outOfRange('created_at') },
        { table_name: 'orders', line: 10, reason: outOfRange('created_at') },
        { table_name: 'order_items', line: 3, reason: `unit_price ${more}; amount ${more}` },
        { table_name: 'members', line: 3, reason: outOfRange('joined_at') },
        { table_name: 'campaigns', line: 3, reason: `${outOfRange('sent_at')}; cost_per_contact ${more}; coupon_value ${more}` },
        { table_name: 'campaign_contacts', line: 3, reason: outOfRange('contacted_at') },
        { table_name: 'opt_outs', line: 3, reason: outOfRange('opted_out_at') },
      ];
      // These reasons name no value: the published reason is the same.
      expect(await quarantined(db)).toEqual(reasons.map((row) => ({ ...row, public_reason: row.reason })));
    });
  });

  it('takes the bounds from the parameters, so that --set moves them', async () => {
    const dir = writeFiles({
      'orders.csv': [header, 'o1,tb_0001,2026-11-11 20:00:00,,paid,199.00,0,1,,', 'o2,tb_0002,2015-06-01 20:00:00,,paid,99.00,0,1,,'].join(
        '\n',
      ),
    });
    await withWarehouse(async ({ db }) => {
      await loadFile(db, join(dir, 'orders.csv'), {
        ...repoSeeds,
        parameters: await readParameters(seedsDir, { max_order_amount: '100', earliest_order_date: '2020-01-01' }),
      });
      expect(await quarantined(db)).toEqual([
        {
          table_name: 'orders',
          line: 2,
          reason: 'paid_amount is more than 100.00 (max_order_amount)',
          public_reason: 'paid_amount is more than 100.00 (max_order_amount)',
        },
        {
          table_name: 'orders',
          line: 3,
          reason: `created_at is before 2020-01-01 (earliest_order_date) or after ${tomorrow} (tomorrow)`,
          public_reason: `created_at is before 2020-01-01 (earliest_order_date) or after ${tomorrow} (tomorrow)`,
        },
      ]);
    });
  });
});

describe('identifiers', () => {
  it('are trimmed, and one empty after trimming is missing', async () => {
    const dir = writeFiles({
      'orders.csv': [
        header,
        'o1,tb_0001,2026-11-11 20:00:00,,completed,10.00,0,1,,',
        ' o2 ,  tb_0001 ,2026-11-12 20:00:00,,completed,20.00,0,1,,',
        `o3,\t tb_0001\u3000,2026-11-13 20:00:00,,completed,30.00,0,1,,`,
        'o4,   ,2026-11-13 20:00:00,,completed,30.00,0,1,,', // line 5
        '\t,tb_0002,2026-11-13 20:00:00,,completed,30.00,0,1,,', // line 6
      ].join('\n'),
      'order_items.csv': ['order_id,product_id,line_id,quantity,amount', ' o1, p1 , ,1,10.00', 'o2,  ,l1,1,20.00'].join('\n'),
    });
    await withWarehouse(async ({ db }) => {
      await loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds });
      await loadFile(db, join(dir, 'order_items.csv'), { ...repoSeeds });
      const orders = await sql<{ order_id: string; member_id: string }>`select order_id, member_id from raw.orders order by _line`.execute(
        db,
      );
      expect(orders.rows).toEqual([
        { order_id: 'o1', member_id: 'tb_0001' },
        { order_id: 'o2', member_id: 'tb_0001' },
        { order_id: 'o3', member_id: 'tb_0001' },
      ]);
      const items = await sql`select order_id, product_id, line_id from raw.order_items`.execute(db);
      expect(items.rows).toEqual([{ order_id: 'o1', product_id: 'p1', line_id: null }]);
      expect((await quarantined(db)).map(({ table_name, line, reason }) => ({ table_name, line, reason }))).toEqual([
        { table_name: 'orders', line: 5, reason: 'member_id is missing' },
        { table_name: 'orders', line: 6, reason: 'order_id is missing' },
        { table_name: 'order_items', line: 3, reason: 'product_id is missing' },
      ]);
    });
  });
});

describe('published reasons', () => {
  it('name the column and the kind of problem; the value stays in the full reason', async () => {
    const dir = writeFiles({
      'orders.csv': [header, 'o1,tb_0001,2026-11-11 20:00:00,,paid,abc,0,13912345678,,', 'o2,tb_0002,someday,,paid,10.00,0,1,,'].join('\n'),
    });
    await withWarehouse(async ({ db }) => {
      await loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds });
      expect(await quarantined(db)).toEqual([
        {
          table_name: 'orders',
          line: 2,
          reason: "paid_amount: 'abc' is not a DECIMAL(18,2); item_count: '13912345678' is not a INTEGER",
          public_reason: 'paid_amount is not a DECIMAL(18,2); item_count is not a INTEGER',
        },
        {
          table_name: 'orders',
          line: 3,
          reason: "created_at: 'someday' is not a TIMESTAMP",
          public_reason: 'created_at is not a TIMESTAMP',
        },
      ]);
    });
  });
});

describe('a refresh beside implausible rows', () => {
  it("succeeds without them, and counts a padded member id as that member's", async () => {
    const dir = writeFiles({
      'orders.csv': [
        header,
        'o1,tb_0001,2026-11-01 20:00:00,2026-11-01 20:01:00,completed,100.00,0,1,浙江省,杭州市',
        'o2,  tb_0001 ,2026-11-10 20:00:00,2026-11-10 20:01:00,completed,50.00,0,1,浙江省,杭州市',
        'o3,tb_0002,2026-11-05 20:00:00,2026-11-05 20:01:00,completed,9999999999999999.99,0,1,广东省,深圳市', // line 4
        'o4,tb_0002,2026-11-06 20:00:00,2026-11-06 20:01:00,completed,80.00,0,1,广东省,深圳市',
      ].join('\n'),
    });
    await withWarehouse(async (warehouse) => {
      await runRefresh(warehouse, { inputs: [join(dir, 'orders.csv')] });
      const { db } = warehouse;
      const { rows } = await sql<{ member: string; purchases: number; revenue: number }>`
        select case member_id when md5('test-salt-0001:tb_0001') then 'tb_0001' when md5('test-salt-0001:tb_0002') then 'tb_0002' end as member,
          purchases, revenue::double as revenue
        from marts.member_facts order by member`.execute(db);
      expect(rows).toEqual([
        { member: 'tb_0001', purchases: 2, revenue: 150 },
        { member: 'tb_0002', purchases: 1, revenue: 80 },
      ]);
      expect(await quarantined(db)).toEqual([
        {
          table_name: 'orders',
          line: 4,
          reason: 'paid_amount is more than 1000000.00 (max_order_amount)',
          public_reason: 'paid_amount is more than 1000000.00 (max_order_amount)',
        },
      ]);
      const runs = await db.selectFrom('ops.runs').select(['command', 'status']).execute();
      expect(runs).toEqual([{ command: 'refresh', status: 'succeeded' }]);
    });
  });
});
