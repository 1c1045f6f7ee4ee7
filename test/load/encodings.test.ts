import { join } from 'node:path';
import iconv from 'iconv-lite';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readMapping } from '../../pipelines/load/input-mapping.js';
import { loadFile } from '../../pipelines/load/load-file.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { runCli } from '../helpers/run-cli.js';
import { tempConfig, withWarehouse } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

const header = 'order_id,member_id,created_at,status,paid_amount';
const orders = (names: string[]) =>
  `${header}\n${names.map((name, index) => `o${index + 1},${name},2026-11-11 10:00:00,paid,1.00`).join('\n')}\n`;
const simplified = orders(['张三', '李四', '王五']);
const traditional = orders(['張三', '李四', '王五']);
/** A mapping of the canonical orders columns onto themselves, with the given encoding. */
const ordersMapping = (encoding?: string) =>
  JSON.stringify({
    description: 'orders',
    ...(encoding ? { encoding } : {}),
    tables: {
      orders: {
        columns: { order_id: 'order_id', member_id: 'member_id', created_at: 'created_at', status: 'status', paid_amount: 'paid_amount' },
      },
    },
  });

describe('a file not in UTF-8', () => {
  it('is refused, naming the file and GB18030, when its mapping declares no encoding; read when it declares GBK or GB18030', async () => {
    const dir = writeFiles({
      'export.csv': iconv.encode(simplified, 'gbk'),
      'plain.json': ordersMapping(),
      'gbk.json': ordersMapping('gbk'),
      'gb18030.json': ordersMapping('gb18030'),
    });
    const file = join(dir, 'export.csv');
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, file, { ...repoSeeds, mapping: readMapping(join(dir, 'plain.json')) })).rejects.toThrow(
        new Error(
          `${file}: not UTF-8 text (line 2); it looks like GB18030: set "encoding": "gb18030" in ${join(dir, 'plain.json')}, or save the file as UTF-8`,
        ),
      );
      expect((await sql`select * from raw.orders`.execute(db)).rows).toEqual([]);
      await loadFile(db, file, { ...repoSeeds, mapping: readMapping(join(dir, 'gbk.json')) });
      const members = await sql<{ member_id: string }>`select member_id from raw.orders order by order_id`.execute(db);
      expect(members.rows.map((row) => row.member_id)).toEqual(['张三', '李四', '王五']);
    });
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, file, { ...repoSeeds, mapping: readMapping(join(dir, 'gb18030.json')) });
      expect(result).toMatchObject({ rowsRead: 3, rowsLoaded: 3 });
    });
  });

  it('is refused when its bytes are not valid in the encoding its mapping declares', async () => {
    // 𠀀 (U+20000) is four bytes in GB18030, and no character of GBK.
    const dir = writeFiles({ 'export.csv': iconv.encode(orders(['张三', '𠀀']), 'gb18030'), 'gbk.json': ordersMapping('gbk') });
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'export.csv'), { ...repoSeeds, mapping: readMapping(join(dir, 'gbk.json')) })).rejects.toThrow(
        new Error(
          `${join(dir, 'export.csv')}: not GBK text (line 3); it looks like GB18030: set "encoding": "gb18030" in ${join(dir, 'gbk.json')}, or save the file as UTF-8`,
        ),
      );
      expect(await db.selectFrom('ops.loaded_files').selectAll().execute()).toEqual([]);
    });
  });

  it('is refused as a canonical file, naming Big5 or GB18030; a Big5 export loads through a mapping that says so', async () => {
    const dir = writeFiles({
      'orders-big5.csv': iconv.encode(traditional, 'big5'),
      'orders-gbk.csv': iconv.encode(simplified, 'gbk'),
      'big5.json': ordersMapping('big5'),
    });
    const advice = (encoding: string) =>
      `save it as UTF-8 (Excel: "CSV UTF-8"), or load it with a mapping whose "encoding" is "${encoding}"`;
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'orders-big5.csv'), { ...repoSeeds })).rejects.toThrow(
        new Error(`${join(dir, 'orders-big5.csv')}: not UTF-8 text (line 2); it looks like Big5: ${advice('big5')}`),
      );
      await expect(loadFile(db, join(dir, 'orders-gbk.csv'), { ...repoSeeds })).rejects.toThrow(
        new Error(`${join(dir, 'orders-gbk.csv')}: not UTF-8 text (line 2); it looks like GB18030: ${advice('gb18030')}`),
      );
      await loadFile(db, join(dir, 'orders-big5.csv'), { ...repoSeeds, mapping: readMapping(join(dir, 'big5.json')) });
      const members = await sql<{ member_id: string }>`select member_id from raw.orders order by order_id`.execute(db);
      expect(members.rows.map((row) => row.member_id)).toEqual(['張三', '李四', '王五']);
    });
  });

  it('is read from UTF-16 with a byte-order mark, little- or big-endian, with its lines', async () => {
    const bigEndian = Buffer.from(iconv.encode(simplified, 'utf-16le')).swap16();
    const dir = writeFiles({
      'orders-le.csv': Buffer.concat([Buffer.from('fffe', 'hex'), iconv.encode(simplified.replaceAll('\n', '\r\n'), 'utf-16le')]),
      'orders-be.csv': Buffer.concat([Buffer.from('feff', 'hex'), bigEndian]),
      // An odd number of bytes: half a character at the end.
      'orders-cut.csv': Buffer.concat([Buffer.from('fffe', 'hex'), iconv.encode(simplified, 'utf-16le'), Buffer.from('41', 'hex')]),
    });
    await withWarehouse(async ({ db }) => {
      await loadFile(db, join(dir, 'orders-le.csv'), { ...repoSeeds });
      await loadFile(db, join(dir, 'orders-be.csv'), { ...repoSeeds });
      const { rows } = await sql<{
        member_id: string;
        _line: number;
      }>`select member_id, _line from raw.orders order by _file_id, _line`.execute(db);
      expect(rows).toEqual([
        { member_id: '张三', _line: 2 },
        { member_id: '李四', _line: 3 },
        { member_id: '王五', _line: 4 },
        { member_id: '张三', _line: 2 },
        { member_id: '李四', _line: 3 },
        { member_id: '王五', _line: 4 },
      ]);
      await expect(loadFile(db, join(dir, 'orders-cut.csv'), { ...repoSeeds })).rejects.toThrow(
        new Error(
          `${join(dir, 'orders-cut.csv')}: not UTF-16LE text (at its end): a binary or damaged file? export it again from the shop, as CSV`,
        ),
      );
    });
  });
});

describe('U+FFFD, the mark of a character lost before', () => {
  it('never reaches raw.*: a CSV or JSON lines file holding it is refused, naming its line', async () => {
    const dir = writeFiles({
      'orders.csv': orders(['张三', '\uFFFD\uFFFD']),
      'members.jsonl': '{"member_id":"m1","city":"杭州"}\n{"member_id":"m2","city":"\\ufffd\\ufffd"}\n',
    });
    const lost = 'where characters were lost in an earlier conversion: export the file again from the shop';
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds })).rejects.toThrow(
        new Error(`${join(dir, 'orders.csv')}: line 3 holds U+FFFD (\uFFFD), ${lost}`),
      );
      await expect(loadFile(db, join(dir, 'members.jsonl'), { ...repoSeeds })).rejects.toThrow(
        new Error(`${join(dir, 'members.jsonl')}: record 2 holds U+FFFD (\uFFFD), ${lost}`),
      );
      const { rows } = await sql<{ n: number }>`
        select (select count(*) from raw.orders) + (select count(*) from raw.members) + (select count(*) from ops.quarantine) as n`.execute(
        db,
      );
      expect(rows).toEqual([{ n: 0 }]);
    });
  });
});

describe('a file that is no CSV text', () => {
  it('is refused in one line naming it and what to do: a binary file, a workbook, renamed .csv or not', async () => {
    const binary = Buffer.from(Array.from({ length: 4096 }, (_, index) => (index * 7919) % 256));
    const dir = writeFiles({
      'orders.csv': binary,
      'orders-workbook.csv': Buffer.concat([Buffer.from('504b030414000600', 'hex'), binary]),
      'orders-old-workbook.csv': Buffer.concat([Buffer.from('d0cf11e0a1b11ae1', 'hex'), binary]),
      'orders.xlsx': Buffer.concat([Buffer.from('504b030414000600', 'hex'), binary]),
    });
    const saveAs = 'not CSV text: open it in Excel and save it as "CSV UTF-8"';
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds })).rejects.toThrow(
        new Error(`${join(dir, 'orders.csv')}: not UTF-8 text (line 1): a binary or damaged file? export it again from the shop, as CSV`),
      );
      await expect(loadFile(db, join(dir, 'orders-workbook.csv'), { ...repoSeeds })).rejects.toThrow(
        new Error(`${join(dir, 'orders-workbook.csv')}: an Excel workbook (.xlsx) or another zip archive, ${saveAs}`),
      );
      await expect(loadFile(db, join(dir, 'orders-old-workbook.csv'), { ...repoSeeds })).rejects.toThrow(
        new Error(`${join(dir, 'orders-old-workbook.csv')}: an Excel 97-2003 workbook (.xls), ${saveAs}`),
      );
      await expect(loadFile(db, join(dir, 'orders.xlsx'), { ...repoSeeds })).rejects.toThrow(
        new Error(`${join(dir, 'orders.xlsx')}: an Excel workbook, ${saveAs}`),
      );
    });
  });

  it('with a 5 MB header, quotes 200 characters of it', async () => {
    const long = 'x'.repeat(5_000_000);
    const dir = writeFiles({ 'export.csv': `id,${long}\n1,2\n`, 'orders.csv': `order_id,${long}\n1,2\n` });
    await withWarehouse(async ({ db }) => {
      const unknown = await loadFile(db, join(dir, 'export.csv'), { ...repoSeeds }).catch((caught: Error) => caught);
      expect((unknown as Error).message).toContain(`\n  found:    id, ${'x'.repeat(200)}…\n`);
      expect((unknown as Error).message.length).toBeLessThan(1_000);
      const missing = await loadFile(db, join(dir, 'orders.csv'), { ...repoSeeds }).catch((caught: Error) => caught);
      expect((missing as Error).message).toMatch(/\n {2}found: {4}order_id, x{200}…$/);
      expect((missing as Error).message.length).toBeLessThan(1_000);
    });
  });
});

describe('a mapping that is not JSON', () => {
  it('is refused naming its file', () => {
    const dir = writeFiles({ 'broken.json': '{"description": "orders", tables: {}}' });
    expect(() => readMapping(join(dir, 'broken.json'))).toThrow(
      new RegExp(`^${join(dir, 'broken.json')}: not valid JSON \\(.*position 26.*\\): fix the mapping file$`),
    );
  });
});

describe('the load command', () => {
  it('says each refusal in one line, naming the file as given and never a decoded copy', () => {
    const dir = writeFiles({
      'orders-workbook.csv': Buffer.from('504b0304140006000800', 'hex'),
      'orders-big5.csv': iconv.encode(traditional, 'big5'),
      'orders-cut.csv': Buffer.concat([Buffer.from('fffe', 'hex'), iconv.encode(simplified, 'utf-16le'), Buffer.from('41', 'hex')]),
      'broken.json': '{"description": "orders", tables: {}}',
    });
    const { dataDir } = tempConfig();
    const load = runCli(['load', ...['orders-workbook.csv', 'orders-big5.csv', 'orders-cut.csv'].map((name) => join(dir, name))], dataDir);
    expect(load.status).toBe(1);
    expect(load.stderr).toContain(
      [
        'error: 3 of 3 files could not be loaded:',
        `  ${join(dir, 'orders-workbook.csv')}: an Excel workbook (.xlsx) or another zip archive, not CSV text: open it in Excel and save it as "CSV UTF-8"`,
        `  ${join(dir, 'orders-big5.csv')}: not UTF-8 text (line 2); it looks like Big5: save it as UTF-8 (Excel: "CSV UTF-8"), or load it with a mapping whose "encoding" is "big5"`,
        `  ${join(dir, 'orders-cut.csv')}: not UTF-16LE text (at its end): a binary or damaged file? export it again from the shop, as CSV\n`,
      ].join('\n'),
    );
    expect(load.stderr).not.toContain('warehouse-read-');
    const mapped = runCli(['load', '--mapping', join(dir, 'broken.json'), join(dir, 'orders-big5.csv')], dataDir);
    expect(mapped.status).toBe(1);
    expect(mapped.stderr).toMatch(
      new RegExp(`(^|\\n)error: ${join(dir, 'broken.json')}: not valid JSON \\([^\\n]*\\): fix the mapping file\\n$`),
    );
  });
});
