import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadFile } from '../../pipelines/load/load-file.js';
import { withRun } from '../../pipelines/run/run-log.js';
import { buildWarehouse } from '../../pipelines/transform/build-warehouse.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { runModel } from '../helpers/run-model.js';
import { repoDir } from '../helpers/temp-project.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';
import { testRun } from '../helpers/test-run.js';
import { writeFiles } from '../helpers/write-files.js';

const raw = (order: Record<string, unknown>) => ({
  member_id: 'nick',
  created_at: '2026-11-11 00:10:00',
  paid_amount: 100,
  refund_amount: 0,
  _file_id: 1,
  _line: 2,
  ...order,
});

describe('staging.stg_orders', () => {
  it('nets refunds, marks purchases by status, falls back to created_at, and keeps the latest row of an order', async () => {
    const rows = await runModel(
      'staging.stg_orders',
      {
        'raw.orders': [
          raw({ order_id: 'partial', status: 'completed', paid_at: '2026-11-11 00:11:00', paid_amount: 200, refund_amount: 59.9 }),
          raw({ order_id: 'no_refund_column', status: ' Paid ', paid_at: null, paid_amount: 50, refund_amount: null }),
          raw({ order_id: 'shipped', status: 'shipped', paid_at: '2026-11-12 09:00:00' }),
          raw({ order_id: 'unpaid', status: 'created' }),
          raw({ order_id: 'closed', status: 'closed', paid_at: '2026-11-11 00:12:00' }),
          raw({ order_id: 'refunded', status: 'refunded', paid_at: '2026-11-11 00:12:00', refund_amount: 100 }),
          // Status updates: a later file wins, and within a file a later line.
          raw({ order_id: 'updated', status: 'paid', paid_at: '2026-11-11 00:15:00', _file_id: 1, _line: 9 }),
          raw({ order_id: 'updated', status: 'closed', paid_at: '2026-11-11 00:15:00', _file_id: 2, _line: 2 }),
          raw({ order_id: 'same_file', status: 'paid', paid_at: '2026-11-11 00:15:00', _file_id: 1, _line: 3 }),
          raw({ order_id: 'same_file', status: 'completed', paid_at: '2026-11-11 00:15:00', _file_id: 1, _line: 4 }),
        ],
      },
      { orderBy: 'order_id' },
    );
    expect(rows.map((row) => [row.order_id, row.status, row.is_purchase, row.net_amount])).toEqual([
      ['closed', 'closed', false, 100],
      ['no_refund_column', 'paid', true, 50],
      ['partial', 'completed', true, 140.1],
      ['refunded', 'refunded', false, 0],
      ['same_file', 'completed', true, 100],
      ['shipped', 'shipped', true, 100],
      ['unpaid', 'created', false, 100],
      ['updated', 'closed', false, 100],
    ]);
    const byId = Object.fromEntries(rows.map((row) => [row.order_id, row]));
    expect(byId.no_refund_column!.purchased_at).toEqual(new Date(Date.UTC(2026, 10, 11, 0, 10))); // no paid_at: created_at
    expect(byId.shipped!.purchased_at).toEqual(new Date(Date.UTC(2026, 10, 12, 9)));
    // The buyer id is replaced by its salted hash.
    expect(rows.every((row) => typeof row.member_id === 'string' && /^[0-9a-f]{32}$/.test(row.member_id as string))).toBe(true);
    expect(new Set(rows.map((row) => row.member_id)).size).toBe(1);
  });

  it('maps the status texts of shop exports to ours through seeds/order_status_aliases.csv', async () => {
    const texts = [
      '交易成功',
      '交易关闭',
      '等待买家付款',
      '买家已付款，等待卖家发货',
      '买家已付款,等待卖家发货',
      '卖家已发货，等待买家确认',
      '退款成功',
      'cancelled',
      'paid/fulfilled',
      'paid/partial',
      'paid/unfulfilled',
      'partially_refunded/fulfilled',
      'pending/unfulfilled',
      'refunded/fulfilled',
      'voided/unfulfilled',
    ];
    const rows = await runModel(
      'staging.stg_orders',
      {
        'raw.orders': texts.map((status, index) => raw({ order_id: `o${String(index).padStart(2, '0')}`, status: ` ${status} ` })),
      },
      { orderBy: 'order_id' },
    );
    expect(rows.map((row) => row.status)).toEqual([
      'completed',
      'closed',
      'created',
      'paid',
      'paid',
      'shipped',
      'refunded',
      'closed',
      'completed',
      'shipped',
      'paid',
      'completed',
      'created',
      'refunded',
      'closed',
    ]);
  });

  it('fails the build on a status the seed does not know, naming the rows', async () => {
    const dir = writeFiles({
      'orders.csv': 'order_id,member_id,created_at,status,paid_amount\no1,nick,2026-11-11 10:00:00,部分退款处理中,10\n',
    });
    await withWarehouse(
      async ({ db, config }) => {
        await loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds });
        await expect(withRun(db, 'build', async (runId) => buildWarehouse(db, await testRun(config, runId)))).rejects.toThrow(
          'models/staging/stg_orders.sql: relationships(status, seeds.order_statuses, status): 1 failing row',
        );
      },
      {
        projectDir: repoDir,
        modelsDir: join(repoDir, 'models'),
        seedsDir: join(repoDir, 'seeds'),
        assertionsDir: join(repoDir, 'models/assertions'),
      },
    );
  });
});
