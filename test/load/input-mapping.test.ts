import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readMapping } from '../../pipelines/load/input-mapping.js';
import { loadFile } from '../../pipelines/load/load-file.js';
import { seedsDir } from '../helpers/temp-project.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

describe('loading through a column mapping', () => {
  it('splits whitespace-separated lines, maps fields by expressions and quarantines lines that do not fit', async () => {
    const dir = writeFiles({
      'log.txt': [
        ' customer_id  date number_of_cds  dollar_value\r',
        ' 00001 19970101  1   11.77\r',
        ' 00002 19970112  1   12.00  extra\r', // line 3: five fields
        ' 00003 19971340  2   20.00\r', // line 4: no 40th of the 13th month
        '\t00004\t19970105 3 29.33\r',
      ].join('\n'),
    });
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(dir, 'log.txt'), { seedsDir, mapping: readMapping('cdnow') });
      expect(result).toMatchObject({ table: 'orders', format: 'mapping:cdnow', rowsRead: 4, rowsLoaded: 2, rowsQuarantined: 2 });
      const { rows } = await sql<Record<string, unknown>>`
        select order_id, member_id, created_at, status, paid_amount, item_count, _line from raw.orders order by _line`.execute(db);
      expect(rows).toEqual([
        {
          order_id: '00001-2',
          member_id: '00001',
          created_at: new Date(Date.UTC(1997, 0, 1)),
          status: 'completed',
          paid_amount: 11.77,
          item_count: 1,
          _line: 2,
        },
        {
          order_id: '00004-5',
          member_id: '00004',
          created_at: new Date(Date.UTC(1997, 0, 5)),
          status: 'completed',
          paid_amount: 29.33,
          item_count: 3,
          _line: 5,
        },
      ]);
      const quarantine = await db.selectFrom('ops.quarantine').select(['line', 'reason']).orderBy('line').execute();
      expect(quarantine).toEqual([
        { line: 3, reason: 'unreadable line: expected 4 fields, found 5' },
        { line: 4, reason: 'created_at is missing' },
      ]);
    });
  });

  it("reads delimited files without a header by the mapping's field names", async () => {
    const mappingDir = writeFiles({
      'shop.json': JSON.stringify({
        description: 'semicolon export',
        delimiter: ';',
        header: false,
        fields: ['nick', 'since'],
        tables: { members: { columns: { member_id: 'upper(nick)', joined_at: "try_strptime(since, '%d.%m.%Y')" } } },
      }),
      'members.txt': 'anna;01.02.2025\nbob;31.12.2024\n',
    });
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(mappingDir, 'members.txt'), {
        seedsDir,
        mapping: readMapping(join(mappingDir, 'shop.json')),
      });
      expect(result).toMatchObject({ table: 'members', rowsLoaded: 2, rowsQuarantined: 0 });
      const { rows } = await sql<
        Record<string, unknown>
      >`select member_id, joined_at::date::varchar as joined, _line from raw.members order by _line`.execute(db);
      expect(rows).toEqual([
        { member_id: 'ANNA', joined: '2025-02-01', _line: 1 },
        { member_id: 'BOB', joined: '2024-12-31', _line: 2 },
      ]);
    });
  });

  it('explains a mapping that is invalid or refers to a field the file lacks', async () => {
    const dir = writeFiles({
      'bad.json': JSON.stringify({ description: 'x', header: false, tables: { orders: { columns: {} } } }),
      'old.json': JSON.stringify({ description: 'x', table: 'orders', columns: {} }),
      'typo.json': JSON.stringify({ description: 'x', delimiter: ',', tables: { members: { columns: { member_id: 'nickname' } } } }),
      'members.csv': 'nick\nanna\n',
    });
    expect(() => readMapping(join(dir, 'bad.json'))).toThrow('bad.json: a file without header needs "fields"');
    expect(() => readMapping(join(dir, 'old.json'))).toThrow(
      /old\.json: tables: .*expected record.*; mapping: Unrecognized keys: "table", "columns"/,
    );
    expect(() => readMapping('no_such_mapping')).toThrow(
      "no mapping 'no_such_mapping': not a file, and not one of pipelines/load/mappings/*.json",
    );
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'members.csv'), { seedsDir, mapping: readMapping(join(dir, 'typo.json')) })).rejects.toThrow(
        /^mapping .*typo\.json: Binder Error: Referenced column "nickname" not found/,
      );
    });
  });
});
