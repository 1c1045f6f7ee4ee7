import { join } from 'node:path';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { loadFile } from '../../pipelines/load/load-file.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

// A Taobao/Tmall refund report (退款管理 → 批量导出) in GBK, with the first of its columns as
// exported: the ids wrapped in ="…", amounts with ￥ and thousands separators.
const report = [
  '订单编号,退款编号,支付宝交易号,订单付款时间,商品编码,退款完结时间,买家实际支付金额,宝贝标题,买家退款金额,手工退款/系统退款,是否需要退货,退款的申请时间,超时时间,退款状态,货物状态,买家退款原因,买家退款说明',
  '="3012345678901234",="190000000001",2026A,2026-10-01 10:05:00,DRESS-001,2026-10-09 11:00:00,"1,299.00",春季连衣裙,"￥1,299.00",系统退款,是,2026-10-08 09:00:00,,退款成功,买家已退货,质量问题,线头多',
  '="3012345678901235",="190000000002",2026B,2026-10-02 10:05:00,,,59.90,帽子,59.90,,否,2026/10/08 10:30,,"买家已经申请退款，等待卖家同意",买家未收到货,物流问题,',
  '="3012345678901236",="190000000003",2026C,2026-10-02 10:05:00,,2026-10-08 12:00:00,25.00,T恤,25.00,,否,2026-10-08 10:30:00,,已撤销,买家未收到货,,',
].join('\r\n');

describe('the Tmall/Taobao refund report', () => {
  it('is recognised by its header and feeds refunds, its status texts through seeds/refund_statuses.csv', async () => {
    const dir = writeFiles({ 'RefundList202611221030.csv': iconv.encode(report, 'gbk') });
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(dir, 'RefundList202611221030.csv'), { ...repoSeeds });
      expect(result).toMatchObject({ table: 'refunds', format: 'mapping:tmall_refunds', rowsRead: 3, rowsLoaded: 2, rowsQuarantined: 1 });
      const { rows } =
        await sql`select refund_id, order_id, requested_at, finished_at, amount, reason, status, _line from raw.refunds order by _line`.execute(
          db,
        );
      expect(rows).toEqual([
        {
          refund_id: '190000000001',
          order_id: '3012345678901234',
          requested_at: new Date('2026-10-08T09:00:00Z'),
          finished_at: new Date('2026-10-09T11:00:00Z'),
          amount: 1299,
          reason: '质量问题',
          status: '退款成功',
          _line: 2,
        },
        {
          refund_id: '190000000002',
          order_id: '3012345678901235',
          requested_at: new Date('2026-10-08T10:30:00Z'),
          finished_at: null,
          amount: 59.9,
          reason: '物流问题',
          status: '买家已经申请退款，等待卖家同意',
          _line: 3,
        },
      ]);
      const quarantine = await db.selectFrom('ops.quarantine').select(['line', 'reason']).execute();
      expect(quarantine).toEqual([{ line: 4, reason: 'status is not a status of seeds/refund_statuses.csv' }]);
    });
  });
});
