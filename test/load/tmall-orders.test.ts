import { join } from 'node:path';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadFile } from '../../pipelines/load/load-file.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

// A Tmall order report as 千牛 exports it (a subset of its 40-odd columns, in its order).
const header =
  '订单编号,买家会员名,买家实际支付金额,订单状态,收货人姓名,收货地址,联系手机,订单创建时间,订单付款时间,宝贝标题,宝贝总数量,退款金额';
const report = (yuan: string) =>
  [
    header,
    `="3012345678901234",tb小明,"${yuan}1,299.00",交易成功,张三,浙江省 杭州市 西湖区 文三路1号,'13800000001,2026-11-11 00:01:02,2026-11-11 00:01:30,连衣裙,2,0.00`,
    `="3012345678901235",tb小红,88.00,买家已付款，等待卖家发货,李四,广东省 深圳市 南山区 科技园,13900000002,2026/11/12 09:30:00,2026/11/12 09:31:00,T恤,1,`,
    `="3012345678901236",tb小明,25.00,交易关闭,张三,浙江省 杭州市 西湖区 文三路1号,,2026-11-13 10:00:00,2026-11-13 10:00:09,袜子,3,${yuan}25.00`,
    `="3012345678901237",tb小刚,59.90,等待买家付款,王五,北京市 北京市 朝阳区 建国路,="13700000003",2026-11-14 08:00:00,,帽子,1,`,
    `="3012345678901238",tb小刚,abc,交易成功,王五,北京市 北京市 朝阳区 建国路,13700000003,2026-11-14 09:00:00,2026-11-14 09:00:05,帽子,1,`,
  ].join('\r\n');

// What the canonical raw.orders must hold, worked out by hand from the lines above; statuses stay
// as exported (staging maps them, test/models/stg-orders.test.ts).
const expected = [
  {
    order_id: '3012345678901234',
    member_id: 'tb小明',
    created_at: '2026-11-11 00:01:02',
    paid_at: '2026-11-11 00:01:30',
    status: '交易成功',
    paid_amount: 1299,
    refund_amount: 0,
    item_count: 2,
    province: '浙江省',
    city: '杭州市',
    phone: '13800000001',
    _line: 2,
  },
  {
    order_id: '3012345678901235',
    member_id: 'tb小红',
    created_at: '2026-11-12 09:30:00',
    paid_at: '2026-11-12 09:31:00',
    status: '买家已付款，等待卖家发货',
    paid_amount: 88,
    refund_amount: null,
    item_count: 1,
    province: '广东省',
    city: '深圳市',
    phone: '13900000002',
    _line: 3,
  },
  {
    order_id: '3012345678901236',
    member_id: 'tb小明',
    created_at: '2026-11-13 10:00:00',
    paid_at: '2026-11-13 10:00:09',
    status: '交易关闭',
    paid_amount: 25,
    refund_amount: 25,
    item_count: 3,
    province: '浙江省',
    city: '杭州市',
    phone: null,
    _line: 4,
  },
  {
    order_id: '3012345678901237',
    member_id: 'tb小刚',
    created_at: '2026-11-14 08:00:00',
    paid_at: null,
    status: '等待买家付款',
    paid_amount: 59.9,
    refund_amount: null,
    item_count: 1,
    province: '北京市',
    city: '北京市',
    phone: '13700000003',
    _line: 5,
  },
];

async function loadReport(content: Buffer) {
  const dir = writeFiles({ 'ExportOrderList202611221030.csv': content });
  return withWarehouse(async ({ db }) => {
    const [result] = await loadFile(db, join(dir, 'ExportOrderList202611221030.csv'), { ...repoSeeds });
    const { rows } =
      await sql`select order_id, member_id, strftime(created_at, '%Y-%m-%d %H:%M:%S') as created_at, strftime(paid_at, '%Y-%m-%d %H:%M:%S') as paid_at,
      status, paid_amount, refund_amount, item_count, province, city, phone, _line from raw.orders order by order_id`.execute(db);
    const quarantine = await db.selectFrom('ops.quarantine').select(['line', 'reason']).execute();
    return { result, rows, quarantine };
  });
}

describe('the Tmall/Taobao order report', () => {
  it.each([
    ['GBK', iconv.encode(report('￥'), 'gbk')],
    ['UTF-8 with BOM', Buffer.from(`\uFEFF${report('¥')}`, 'utf8')],
    ['UTF-8', Buffer.from(report('¥'), 'utf8')],
    ['UTF-16LE with BOM', Buffer.concat([Buffer.from('fffe', 'hex'), iconv.encode(report('¥'), 'utf-16le')])],
  ])('is recognised by its header and loads field by field from %s', async (_encoding, content) => {
    const { result, rows, quarantine } = await loadReport(content);
    expect(result).toMatchObject({ table: 'orders', format: 'mapping:tmall_orders', rowsRead: 5, rowsLoaded: 4, rowsQuarantined: 1 });
    expect(rows).toEqual(expected);
    expect(quarantine).toEqual([{ line: 6, reason: "paid_amount: 'abc' is not a DECIMAL(18,2)" }]);
  });

  it('says which layouts it knows when a file is neither named after a table nor one of them', async () => {
    const dir = writeFiles({ 'export.csv': iconv.encode('订单号,会员,金额\n1,a,2\n', 'gbk') });
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'export.csv'), { ...repoSeeds })).rejects.toThrow(
        /cannot tell which table this file is from its name; .*; nor is its header a known export layout\n {2}found: {4}订单号, 会员, 金额\n {2}shopify_orders needs: Name, Email, .*\n {2}tmall_items needs: 订单编号, 标题, 价格, 购买数量\n {2}tmall_orders needs: 订单编号, 买家会员名, 买家实际支付金额, 订单状态, 订单创建时间\n {2}tmall_refunds needs: 退款编号, 订单编号, 退款的申请时间, 退款状态$/,
      );
    });
  });
});
