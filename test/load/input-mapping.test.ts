import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readMapping } from '../../pipelines/load/input-mapping.js';
import { loadFile } from '../../pipelines/load/load-file.js';
import { loadFiles } from '../../pipelines/load/load-files.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
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
      const [result] = await loadFile(db, join(dir, 'log.txt'), { ...repoSeeds, mapping: readMapping('cdnow') });
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
        ...repoSeeds,
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

  it("splits quoted fields across lines and delimiters with the mapping's delimiter, one bad line not taking the next ones", async () => {
    const dir = writeFiles({
      'shop.json': JSON.stringify({
        description: 'pipe-separated members',
        delimiter: '|',
        header: false,
        fields: ['id', 'note', 'via'],
        tables: { members: { columns: { member_id: 'id', city: 'note', source: 'via' } } },
      }),
      'members.txt': [
        'm1|"one', // lines 1-2: one record
        'two"|web',
        'm2|"a|b"|shop',
        'm3|"x', // lines 4-6: one record with two fields over two lines each
        'y"|"z',
        'w"',
        'm4|"broken|web', // line 7: no line closes its quote
        'm5|plain|web',
        'm6|"q"|web',
      ].join('\n'),
    });
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(dir, 'members.txt'), { ...repoSeeds, mapping: readMapping(join(dir, 'shop.json')) });
      expect(result).toMatchObject({ rowsRead: 6, rowsLoaded: 5, rowsQuarantined: 1 });
      const { rows } = await sql<Record<string, unknown>>`select member_id, city, source, _line from raw.members order by _line`.execute(
        db,
      );
      expect(rows).toEqual([
        { member_id: 'm1', city: 'one\ntwo', source: 'web', _line: 1 },
        { member_id: 'm2', city: 'a|b', source: 'shop', _line: 3 },
        { member_id: 'm3', city: 'x\ny', source: 'z\nw', _line: 4 },
        { member_id: 'm5', city: 'plain', source: 'web', _line: 8 },
        { member_id: 'm6', city: 'q', source: 'web', _line: 9 },
      ]);
      const quarantine = await db.selectFrom('ops.quarantine').select(['line', 'reason']).execute();
      expect(quarantine).toEqual([{ line: 7, reason: 'unreadable line: unterminated quote' }]);
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
      await expect(loadFile(db, join(dir, 'members.csv'), { ...repoSeeds, mapping: readMapping(join(dir, 'typo.json')) })).rejects.toThrow(
        /typo\.json: tables\.members\.columns\.member_id: 'nickname' is not a field of the file \(fields: nick, _line\); a mapping expression is one scalar expression over the file's fields and _line/,
      );
    });
  });
});

// An export like the UCI Online Retail data set: one line per invoice line; an invoice number
// starting with C is a cancellation, and some lines have no customer.
const retail = [
  'InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country',
  '536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,12/1/2010 8:26,2.55,17850,United Kingdom',
  '536365,71053,WHITE METAL LANTERN,6,12/1/2010 8:26,3.39,17850,United Kingdom',
  'C536379,D,Discount,-1,12/1/2010 9:41,27.50,14527,United Kingdom',
  '536414,22139,,56,12/1/2010 11:52,0.00,,United Kingdom',
  '536366,22633,HAND WARMER UNION JACK,six,12/1/2010 8:28,1.85,17850,United Kingdom',
  '536367,84879,"ASSORTED COLOUR BIRD ORNAMENT, LARGE",32,12/1/2010 8:34,1.69,13047,United Kingdom',
  'C536383,35004C,SET OF 3 COLOURED  FLYING DUCKS,-1,12/1/2010 9:49,4.65,,United Kingdom',
  '536368,22960,JAM MAKING SET WITH JARS',
].join('\n');

const itemColumns = {
  order_id: '"InvoiceNo"',
  product_id: '"StockCode"',
  product_name: '"Description"',
  quantity: '"Quantity"',
  unit_price: '"UnitPrice"',
  amount: 'try_cast("Quantity" as integer) * try_cast("UnitPrice" as decimal(18, 2))',
};

describe("records that no table's rows condition takes", () => {
  it('are counted as skipped, so that read = loaded + quarantined + skipped, in the report and in ops.loaded_files', async () => {
    const dir = writeFiles({
      'retail.json': JSON.stringify({
        description: 'order lines of customers, cancellations left out',
        tables: { order_items: { rows: `"CustomerID" is not null and not starts_with("InvoiceNo", 'C')`, columns: itemColumns } },
      }),
      'retail.csv': retail,
      'retail-again.csv': retail,
    });
    await withWarehouse(async ({ db }) => {
      const log: string[] = [];
      const mapping = readMapping(join(dir, 'retail.json'));
      const [result] = await loadFiles(db, [join(dir, 'retail.csv')], { ...repoSeeds, mapping, log: (line) => log.push(line) });
      // By hand: lines 2, 3 and 7 load; 6 (quantity "six") and 9 (3 fields of 8) are quarantined;
      // 4 and 8 are cancellations and 5 and 8 have no customer: 3 skipped, 8 read.
      expect(result).toMatchObject({
        rowsRead: 8,
        rowsLoaded: 3,
        rowsQuarantined: 2,
        rowsSkipped: 3,
        skipReason: "matched no table's rows condition",
      });
      expect(log).toEqual([
        `[1/1] ${join(dir, 'retail.csv')} → raw.order_items: 8 read, 3 loaded, 2 quarantined, 3 skipped (matched no table's rows condition)`,
      ]);
      const files = await db
        .selectFrom('ops.loaded_files')
        .select(['rows_read', 'rows_loaded', 'rows_quarantined', 'rows_skipped', 'skip_reason'])
        .execute();
      expect(files).toEqual([
        { rows_read: 8, rows_loaded: 3, rows_quarantined: 2, rows_skipped: 3, skip_reason: "matched no table's rows condition" },
      ]);
      const items = await sql<{ _line: number; amount: number }>`select _line, amount from raw.order_items order by _line`.execute(db);
      expect(items.rows).toEqual([
        { _line: 2, amount: 15.3 },
        { _line: 3, amount: 20.34 },
        { _line: 7, amount: 54.08 },
      ]);
      const quarantine = await db.selectFrom('ops.quarantine').select(['line', 'reason']).orderBy('line').execute();
      expect(quarantine).toEqual([
        { line: 6, reason: "quantity: 'six' is not a INTEGER; amount is missing" },
        { line: 9, reason: 'unreadable line: expected 8 fields, found 3' },
      ]);
      // The same content again is skipped as a whole, reporting what its first load counted.
      const [again] = await loadFile(db, join(dir, 'retail-again.csv'), { ...repoSeeds, mapping });
      expect(again).toMatchObject({
        skipped: true,
        rowsRead: 8,
        rowsLoaded: 3,
        rowsQuarantined: 2,
        rowsSkipped: 3,
        skipReason: "matched no table's rows condition",
      });
    });
  });

  it("skips only the records that no table takes: a line of the second table alone is that table's", async () => {
    const dir = writeFiles({
      'retail.json': JSON.stringify({
        description: 'invoices of customers, and every line that is not a cancellation',
        tables: {
          orders: {
            rows: `"CustomerID" is not null and not starts_with("InvoiceNo", 'C') and row_number() over (partition by "InvoiceNo" order by _line) = 1`,
            columns: {
              order_id: '"InvoiceNo"',
              member_id: '"CustomerID"',
              created_at: `try_strptime("InvoiceDate", '%m/%d/%Y %H:%M')`,
              status: "'completed'",
              paid_amount: `sum(try_cast("Quantity" as integer) * try_cast("UnitPrice" as decimal(18, 2))) over (partition by "InvoiceNo")`,
            },
          },
          order_items: { rows: `not starts_with("InvoiceNo", 'C')`, columns: itemColumns },
        },
      }),
      'retail.csv': retail,
    });
    await withWarehouse(async ({ db }) => {
      const results = await loadFile(db, join(dir, 'retail.csv'), { ...repoSeeds, mapping: readMapping(join(dir, 'retail.json')) });
      // By hand: orders takes lines 2, 6 and 7 (3 is the second line of 536365, 5 has no
      // customer); 6 has no amount, and the unreadable line 9 is the first table's too. Order
      // lines: 2, 3, 5, 6 and 7. Only the cancellations 4 and 8 are in neither: 2 skipped.
      expect(results).toMatchObject([
        {
          table: 'orders',
          rowsRead: 6,
          rowsLoaded: 2,
          rowsQuarantined: 2,
          rowsSkipped: 2,
          skipReason: "matched no table's rows condition",
        },
        { table: 'order_items', rowsRead: 5, rowsLoaded: 4, rowsQuarantined: 1, rowsSkipped: 0, skipReason: null },
      ]);
      const files = await db
        .selectFrom('ops.loaded_files')
        .select(['table_name', 'rows_read', 'rows_loaded', 'rows_quarantined', 'rows_skipped', 'skip_reason'])
        .orderBy('file_id')
        .execute();
      expect(files).toEqual([
        {
          table_name: 'orders',
          rows_read: 6,
          rows_loaded: 2,
          rows_quarantined: 2,
          rows_skipped: 2,
          skip_reason: "matched no table's rows condition",
        },
        { table_name: 'order_items', rows_read: 5, rows_loaded: 4, rows_quarantined: 1, rows_skipped: 0, skip_reason: null },
      ]);
      const orders = await sql<{ order_id: string; paid_amount: number; _line: number }>`
        select order_id, paid_amount, _line from raw.orders order by _line`.execute(db);
      expect(orders.rows).toEqual([
        { order_id: '536365', paid_amount: 35.64, _line: 2 },
        { order_id: '536367', paid_amount: 54.08, _line: 7 },
      ]);
    });
  });
});
