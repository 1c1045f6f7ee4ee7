import { describe, expect, it } from 'vitest';
import { runModel } from '../helpers/run-model.js';

const file = (fields: Record<string, unknown>) => ({
  content_hash: 'h',
  path: '/in/retail.csv',
  format: 'mapping:retail',
  loaded_at: '2026-11-20 10:00:00',
  ...fields,
});

describe('marts.data_quarantine', () => {
  it('shows for each loaded file the rows read, loaded, quarantined and skipped, with why but never a value', async () => {
    const rows = await runModel(
      'marts.data_quarantine',
      {
        'ops.loaded_files': [
          file({ file_id: 1, table_name: 'orders', rows_read: 8, rows_loaded: 2, rows_quarantined: 4, rows_skipped: 2, skip_reason: 'r' }),
          file({ file_id: 2, table_name: 'order_items', rows_read: 5, rows_loaded: 4, rows_quarantined: 1, rows_skipped: 0 }),
        ],
        'ops.quarantine': [
          {
            file_id: 1,
            path: '/in/retail.csv',
            table_name: 'orders',
            line: 6,
            reason: 'paid_amount is missing',
            public_reason: 'paid_amount is missing',
            quarantined_at: '2026-11-20 10:00:00',
          },
          // Phone numbers typed into the item count: the full reason quotes them, the published one does not.
          ...['13912345678', '13800000000'].map((phone, index) => ({
            file_id: 1,
            path: '/in/retail.csv',
            table_name: 'orders',
            line: 7 + index,
            reason: `item_count: '${phone}' is not a INTEGER`,
            public_reason: 'item_count is not a INTEGER',
            quarantined_at: '2026-11-20 10:00:00',
          })),
          {
            file_id: 1,
            path: '/in/retail.csv',
            table_name: 'orders',
            line: 9,
            reason: 'unreadable line',
            public_reason: 'unreadable line',
            quarantined_at: '2026-11-20 10:00:00',
          },
          {
            file_id: 2,
            path: '/in/retail.csv',
            table_name: 'order_items',
            line: 6,
            reason: 'amount is missing',
            public_reason: 'amount is missing',
            quarantined_at: '2026-11-20 10:00:00',
          },
        ],
      },
      { orderBy: 'file_id' },
    );
    expect(
      rows.map(({ file_id, rows_read, rows_loaded, rows_quarantined, rows_skipped, skip_reason, top_reasons }) => ({
        file_id,
        rows_read,
        rows_loaded,
        rows_quarantined,
        rows_skipped,
        skip_reason,
        top_reasons,
      })),
    ).toEqual([
      {
        file_id: 1,
        rows_read: 8,
        rows_loaded: 2,
        rows_quarantined: 4,
        rows_skipped: 2,
        skip_reason: 'r',
        top_reasons: 'item_count is not a INTEGER; paid_amount is missing; unreadable line',
      },
      {
        file_id: 2,
        rows_read: 5,
        rows_loaded: 4,
        rows_quarantined: 1,
        rows_skipped: 0,
        skip_reason: null,
        top_reasons: 'amount is missing',
      },
    ]);
    // The page shows the file's name, not the server's path.
    expect(rows.map((row) => row.file_name)).toEqual(rows.map(() => 'retail.csv'));
  });
});
