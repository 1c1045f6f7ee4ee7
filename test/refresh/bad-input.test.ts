import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { generateShop } from '../../pipelines/generate/generate-shop.js';
import { loadFiles, UnloadableFilesError } from '../../pipelines/load/load-files.js';
import { withRun } from '../../pipelines/run/run-log.js';
import { buildWarehouse } from '../../pipelines/transform/build-warehouse.js';
import { repoSeeds, shopTimeZone } from '../helpers/repo-seeds.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';
import { testRun } from '../helpers/test-run.js';
import { writeFiles } from '../helpers/write-files.js';

const header = 'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city';
const good = (id: string, extra = '') =>
  `${id},tb_bad_input,2026-11-20 10:00:00,2026-11-20 10:01:00,completed,99.00,0,1,浙江省,杭州市${extra}`;
const formula = `=cmd|' /C calc'!A0`;
const sqlText = `'); drop table raw.orders; --`;

// A corpus of what real exports get wrong, each file one kind of damage.
const corpus: Record<string, string | Buffer> = {
  'orders-01-empty.csv': '',
  'orders-02-header-only.csv': `${header}\n`,
  'orders-03-missing-columns.csv': 'order_id,member_id,created_at\nx3,tb_bad_input,2026-11-20 10:00:00\n',
  'orders-04-extra-columns.csv': `${header},note\n${good('x4', ',gift wrap')}\n`,
  'orders-05-dates.csv': [
    header,
    good('x5a'),
    'x5b,tb_bad_input,2026-13-45 10:00:00,,paid,1.00,0,1,,',
    'x5c,tb_bad_input,20/11/2026,,paid,1.00,0,1,,',
    'x5d,tb_bad_input,,,paid,1.00,0,1,,',
  ].join('\n'),
  'orders-06-amounts.csv': [
    header,
    good('x6a'),
    'x6b,tb_bad_input,2026-11-20 10:00:00,,paid,-5.00,0,1,,',
    'x6c,tb_bad_input,2026-11-20 10:00:00,,paid,abc,0,1,,',
    'x6d,tb_bad_input,2026-11-20 10:00:00,,paid,"¥1,000.00",0,1,,',
    'x6e,tb_bad_input,2026-11-20 10:00:00,,refunded,10.00,20.00,1,,',
  ].join('\n'),
  // x7 twice in this file, and an order of the shop's own file again: later rows are status updates.
  'orders-07-duplicates.csv': [
    header,
    good('x7').replace('completed', 'paid'),
    good('x7'),
    '300000000000000001,tb_00000001,2025-01-01 10:00:00,2025-01-01 10:00:00,refunded,50.00,50.00,1,,',
  ].join('\n'),
  'orders-08-truncated.csv': `${header}\n${good('x8a')}\nx8b,tb_bad_input,2026-11-2`,
  'orders-09-invalid-utf8.csv': Buffer.concat([
    Buffer.from(`${header}\n${good('x9a')}\nx9b,tb_bad_input,2026-11-20 10:00:00,,paid,1.00,0,1,`),
    Buffer.from([0xff, 0xfe, 0x41]),
    Buffer.from(',x\n'),
  ]),
  'orders-10-huge-field.csv': `${header}\n${good('x10a')}\nx10b,tb_bad_input,2026-11-20 10:00:00,,paid,1.00,0,1,${'长'.repeat(100_000)},x\n`,
  'orders-11-formulas-and-sql.csv': `${header}\nx11,"${sqlText}",2026-11-20 10:00:00,,completed,1.00,0,1,"${formula}",@SUM(1+1)\n`,
  'orders-12-unknown-status.csv': `${header}\nx12,tb_bad_input,2026-11-20 10:00:00,,on_hold,1.00,0,1,,\n`,
  // A quote never closed, and one inside an unquoted field: each its own bad line, the others read.
  'orders-13-quotes.csv': [
    header,
    good('x13a'),
    'x13b,"tb_bad_input,2026-11-20 10:00:00,,paid,1.00,0,1,,',
    good('x13c'),
    'x13d,tb_"bad_input,2026-11-20 10:00:00,,paid,1.00,0,1,,',
    good('x13e'),
  ].join('\n'),
};

const dataLines = (content: string | Buffer) =>
  content
    .toString()
    .split('\n')
    .slice(1)
    .filter((line) => line !== '').length;

describe('bad input', () => {
  it('gets a clear error or quarantined rows with reasons, and leaves what was loaded before intact', async () => {
    const corpusDir = writeFiles(corpus);
    await withWarehouse(async ({ db, config }) => {
      const shopDir = join(config.dataDir, 'shop');
      await generateShop({ shopTimeZone, members: 1000, days: 400, endDate: '2026-11-20', seed: 5, outDir: shopDir });
      const shopOrders = readFileSync(join(shopDir, 'orders.csv'), 'utf8').split('\n').filter(Boolean).length - 1;
      await withRun(db, 'refresh', async (runId) => {
        await loadFiles(db, [shopDir], { runId, ...repoSeeds });
        await buildWarehouse(db, await testRun(config, runId));
      });
      const before = (await sql<{ members: number }>`select count(*) as members from marts.member_facts`.execute(db)).rows[0]!.members;

      const files = Object.keys(corpus).filter((name) => name !== 'orders-12-unknown-status.csv');
      const error = await loadFiles(
        db,
        files.map((name) => join(corpusDir, name)),
        { ...repoSeeds },
      ).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UnloadableFilesError);
      expect((error as Error).message).toMatch(
        new RegExp(
          [
            '^3 of 12 files could not be loaded \\(the others were\\):',
            '  .*orders-01-empty\\.csv: the file is empty \\(not even a header line\\)',
            '  .*orders-03-missing-columns\\.csv: not a orders file: missing columns status, paid_amount',
            '    expected: order_id, member_id, created_at, paid_at\\?, status, paid_amount, .*',
            '    found:    order_id, member_id, created_at',
            '  .*orders-09-invalid-utf8\\.csv: not UTF-8 text \\(line 3\\): a binary or damaged file\\? export it again from the shop, as CSV$',
          ].join('\n'),
        ),
      );

      // Every row read is loaded, quarantined or skipped; the counts come from the files themselves.
      const loaded = await db
        .selectFrom('ops.loaded_files')
        .select(['path', 'rows_read', 'rows_loaded', 'rows_quarantined', 'rows_skipped'])
        .where('path', 'like', `${corpusDir}%`)
        .orderBy('path')
        .execute();
      expect(loaded.map((file) => file.path.slice(corpusDir.length + 1))).toEqual(files.filter((name) => !/-0[139]-/.test(name)));
      for (const file of loaded) {
        expect(file.rows_read).toBe(dataLines(corpus[file.path.slice(corpusDir.length + 1)]!));
        expect(file.rows_loaded + file.rows_quarantined + file.rows_skipped).toBe(file.rows_read);
      }
      const quarantine = await sql<{ file: string; line: number; reason: string }>`
        select regexp_extract(path, '[^/]+$') as file, line, reason from ops.quarantine order by path, line`.execute(db);
      expect(quarantine.rows).toEqual([
        { file: 'orders-05-dates.csv', line: 3, reason: "created_at: '2026-13-45 10:00:00' is not a TIMESTAMP" },
        { file: 'orders-05-dates.csv', line: 4, reason: "created_at: '20/11/2026' is not a TIMESTAMP" },
        { file: 'orders-05-dates.csv', line: 5, reason: 'created_at is missing' },
        {
          file: 'orders-06-amounts.csv',
          line: 3,
          reason: 'breaks the rule paid_amount >= 0; breaks the rule refund_amount <= paid_amount',
        }, // a refund of 0 exceeds -5 too
        { file: 'orders-06-amounts.csv', line: 4, reason: "paid_amount: 'abc' is not a DECIMAL(18,2)" },
        { file: 'orders-06-amounts.csv', line: 5, reason: "paid_amount: '¥1,000.00' is not a DECIMAL(18,2)" },
        { file: 'orders-06-amounts.csv', line: 6, reason: 'breaks the rule refund_amount <= paid_amount' },
        { file: 'orders-08-truncated.csv', line: 3, reason: 'unreadable line: expected 10 fields, found 3' },
        { file: 'orders-10-huge-field.csv', line: 3, reason: 'province: 100,000 characters, more than 65,536' },
        { file: 'orders-13-quotes.csv', line: 3, reason: 'unreadable line: unterminated quote' },
        { file: 'orders-13-quotes.csv', line: 5, reason: 'unreadable line: stray quote' },
      ]);

      // Strings meant for spreadsheets and SQL are data, kept as they came.
      const odd = await sql<{
        member_id: string;
        province: string;
        city: string;
      }>`select member_id, province, city from raw.orders where order_id = 'x11'`.execute(db);
      expect(odd.rows).toEqual([{ member_id: sqlText, province: formula, city: '@SUM(1+1)' }]);
      expect(
        (
          await sql<{
            n: number;
          }>`select count(*) as n from raw.orders where _file_id = (select file_id from ops.loaded_files where path = ${join(shopDir, 'orders.csv')})`.execute(
            db,
          )
        ).rows[0]!.n,
      ).toBe(shopOrders);

      // The build reads duplicates as status updates: one row per order, the latest state.
      await withRun(db, 'build', async (runId) => buildWarehouse(db, await testRun(config, runId)));
      const updated = await sql<{ order_id: string; status: string }>`
        select order_id, status from staging.stg_orders where order_id in ('x7', '300000000000000001') order by order_id`.execute(db);
      expect(updated.rows).toEqual([
        { order_id: '300000000000000001', status: 'refunded' },
        { order_id: 'x7', status: 'completed' },
      ]);

      // An unknown status stops the build with the rule it breaks; the previous build stays.
      const built = (await sql<{ members: number }>`select count(*) as members from marts.member_facts`.execute(db)).rows[0]!.members;
      expect(built).toBeGreaterThanOrEqual(before);
      await loadFiles(db, [join(corpusDir, 'orders-12-unknown-status.csv')], { ...repoSeeds });
      await expect(withRun(db, 'build', async (runId) => buildWarehouse(db, await testRun(config, runId)))).rejects.toThrow(
        /so the build was rolled back:\n {2}models\/staging\/stg_orders\.sql: relationships\(status, seeds\.order_statuses, status\): 1 failing row, e\.g\.\n {4}\{"order_id":"x12",.*"status":"on_hold"/,
      );
      expect((await sql<{ members: number }>`select count(*) as members from marts.member_facts`.execute(db)).rows[0]!.members).toBe(built);
    });
  }, 120_000);
});
