import { join } from 'node:path';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadFile } from '../../pipelines/load/load-file.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

// A Tmall item report (宝贝报表) as 千牛 exports it beside the order report, in GBK.
const report = [
  '订单编号,标题,价格,购买数量,外部系统编号,商品属性,套餐信息,备注,订单状态,商家编码',
  '="3012345678901234",春季连衣裙,"1,299.00",1,,颜色分类:红色;尺码:M,,,交易成功,="DRESS-001"',
  '="3012345678901234",棉袜,￥12.50,4,EXT-9,,,,交易成功,',
  '="3012345678901235",帽子,59.90,1,,,,,等待买家付款,',
  '="3012345678901236",T恤,abc,2,,,,,交易成功,TEE-1',
  '="3012345678901236",T恤,25.00,-1,,,,,交易成功,TEE-1',
].join('\r\n');

describe('the Tmall/Taobao item report', () => {
  it('is recognised by its header and feeds order_items field by field', async () => {
    const dir = writeFiles({ 'ExportOrderDetailList202611221030.csv': iconv.encode(report, 'gbk') });
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(dir, 'ExportOrderDetailList202611221030.csv'), { ...repoSeeds });
      expect(result).toMatchObject({ table: 'order_items', format: 'mapping:tmall_items', rowsRead: 5, rowsLoaded: 3, rowsQuarantined: 2 });
      const { rows } =
        await sql`select order_id, product_id, product_name, category, quantity, unit_price, amount, _line from raw.order_items order by _line`.execute(
          db,
        );
      // Worked out by hand: the product is 商家编码, else 外部系统编号, else the title; amount = price × quantity.
      expect(rows).toEqual([
        {
          order_id: '3012345678901234',
          product_id: 'DRESS-001',
          product_name: '春季连衣裙',
          category: null,
          quantity: 1,
          unit_price: 1299,
          amount: 1299,
          _line: 2,
        },
        {
          order_id: '3012345678901234',
          product_id: 'EXT-9',
          product_name: '棉袜',
          category: null,
          quantity: 4,
          unit_price: 12.5,
          amount: 50,
          _line: 3,
        },
        {
          order_id: '3012345678901235',
          product_id: '帽子',
          product_name: '帽子',
          category: null,
          quantity: 1,
          unit_price: 59.9,
          amount: 59.9,
          _line: 4,
        },
      ]);
      const quarantine = await db.selectFrom('ops.quarantine').select(['table_name', 'line', 'reason']).orderBy('line').execute();
      expect(quarantine).toEqual([
        { table_name: 'order_items', line: 5, reason: "unit_price: 'abc' is not a DECIMAL(18,2); amount is missing" },
        { table_name: 'order_items', line: 6, reason: 'breaks the rule quantity >= 0; breaks the rule amount >= 0' },
      ]);
    });
  });
});
