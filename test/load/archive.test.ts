import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  appendFileSync,
  chmodSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ArchiveError, loadFiles, UnloadableFilesError } from '../../pipelines/load/load-files.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

const header = 'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city';
const orders = `${header}\na1,m1,2026-11-20 10:00:00,2026-11-20 10:01:00,completed,99.00,0,1,浙江省,杭州市\n`;
const items = 'order_id,product_id,product_name,category,quantity,unit_price,amount\na1,p1,T-shirt,tops,1,99.00,99.00\n';
const sha256 = (content: string) => createHash('sha256').update(content).digest('hex');
const month = new Date().toISOString().slice(0, 7);

function manifest(archiveDir: string): Array<Record<string, unknown>> {
  return readFileSync(join(archiveDir, 'manifest.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));
}

// Root writes through a folder's permissions: for it the folder is made immutable instead.
function readOnly(dir: string): () => void {
  if (process.getuid?.() !== 0) {
    chmodSync(dir, 0o555);
    return () => chmodSync(dir, 0o755);
  }
  execFileSync('chattr', ['+i', dir]);
  return () => execFileSync('chattr', ['-i', dir]);
}

describe('the archive', () => {
  it('must take a file before its load commits: one it cannot take is not loaded', async () => {
    await withWarehouse(async ({ db, config }) => {
      const dir = writeFiles({ 'orders.csv': orders });
      mkdirSync(config.archiveDir, { recursive: true });
      const writable = readOnly(config.archiveDir);
      const load = () => loadFiles(db, [dir], { ...repoSeeds, archive: { dir: config.archiveDir } });
      const failure = await load().catch((error: Error) => error);
      writable();
      expect(failure).toBeInstanceOf(ArchiveError);
      expect((failure as Error).message).toMatch(
        new RegExp(
          `^${join(dir, 'orders.csv')} could not be copied into the archive ${config.archiveDir} \\((EPERM|EACCES): [^)]+\\), so it was not loaded: make the archive writable, or free space, and load it again$`,
        ),
      );
      const count = async (table: string) =>
        (await sql<{ n: number }>`select count(*)::integer as n from ${sql.table(table)}`.execute(db)).rows[0]!.n;
      expect(await count('raw.orders')).toBe(0);
      expect(await count('ops.loaded_files')).toBe(0);
      expect(readdirSync(config.archiveDir)).toEqual([]);

      await load();
      expect(await count('raw.orders')).toBe(1);
      expect(manifest(config.archiveDir)).toMatchObject([
        { sequence: 1, archived: `${month}/orders.000001.csv`, content_hash: sha256(orders) },
      ]);
      expect(readFileSync(join(config.archiveDir, month, 'orders.000001.csv'), 'utf8')).toBe(orders);
    });
  });

  it('takes each file out of the inbox once loaded, in order, recorded with its hash, tables and how it was read', async () => {
    await withWarehouse(async ({ db, config }) => {
      const inbox = config.inboxDir;
      mkdirSync(inbox, { recursive: true });
      writeFileSync(join(inbox, 'orders-2026-11-20.csv'), orders);
      writeFileSync(join(inbox, 'order_items-2026-11-20.csv'), items);
      writeFileSync(join(inbox, 'orders-broken.csv'), 'order_id,member_id\nx,y\n');
      const archive = { dir: config.archiveDir, moveFrom: inbox };
      await expect(loadFiles(db, [inbox], { ...repoSeeds, archive })).rejects.toThrow(UnloadableFilesError);
      // Loaded files left the inbox; the refused one stays for the operator.
      expect(readdirSync(inbox)).toEqual(['orders-broken.csv']);
      expect(readdirSync(join(config.archiveDir, month)).sort()).toEqual([
        'order_items-2026-11-20.000001.csv',
        'orders-2026-11-20.000002.csv',
      ]);
      expect(readFileSync(join(config.archiveDir, month, 'orders-2026-11-20.000002.csv'), 'utf8')).toBe(orders);
      expect(manifest(config.archiveDir)).toMatchObject([
        {
          sequence: 1,
          archived: `${month}/order_items-2026-11-20.000001.csv`,
          original: join(inbox, 'order_items-2026-11-20.csv'),
          content_hash: sha256(items),
          tables: ['order_items'],
          read: {},
        },
        {
          sequence: 2,
          archived: `${month}/orders-2026-11-20.000002.csv`,
          original: join(inbox, 'orders-2026-11-20.csv'),
          content_hash: sha256(orders),
          tables: ['orders'],
          read: {},
        },
      ]);

      // A second delivery of the same content is skipped, and leaves the inbox all the same.
      writeFileSync(join(inbox, 'orders-resent.csv'), orders);
      const [again] = await loadFiles(db, [join(inbox, 'orders-resent.csv')], { ...repoSeeds, archive });
      expect(again).toMatchObject({ skipped: true, table: 'orders' });
      expect(existsSync(join(inbox, 'orders-resent.csv'))).toBe(false);
      expect(manifest(config.archiveDir).at(-1)).toMatchObject({ sequence: 3, archived: `${month}/orders-resent.000003.csv` });
    });
  });

  it('keeps the order of loading when a file loaded by a killed run is found again after a newer one', async () => {
    await withWarehouse(async ({ db, config }) => {
      const inbox = config.inboxDir;
      mkdirSync(inbox, { recursive: true });
      // Loaded and committed, then killed before archiving: still in the inbox.
      writeFileSync(join(inbox, 'orders-b.csv'), orders);
      await loadFiles(db, [inbox], { ...repoSeeds });
      // The next delivery, for the same table, sorts before it.
      writeFileSync(join(inbox, 'orders-a.csv'), orders.replace('completed', 'refunded'));
      await loadFiles(db, [inbox], { ...repoSeeds, archive: { dir: config.archiveDir, moveFrom: inbox } });
      expect(manifest(config.archiveDir).map((entry) => entry.archived)).toEqual([
        `${month}/orders-b.000001.csv`,
        `${month}/orders-a.000002.csv`,
      ]);
    });
  });

  it('copies a file loaded from elsewhere, with the options it was read with, once', async () => {
    await withWarehouse(async ({ db, config }) => {
      const dir = writeFiles({ 'late-updates.txt': orders.replace('completed', 'refunded') });
      const archive = { dir: config.archiveDir };
      await loadFiles(db, [dir], { ...repoSeeds, table: 'orders', format: 'csv', archive });
      await loadFiles(db, [dir], { ...repoSeeds, table: 'orders', format: 'csv', archive });
      expect(existsSync(join(dir, 'late-updates.txt'))).toBe(true);
      expect(manifest(config.archiveDir)).toMatchObject([
        { sequence: 1, archived: `${month}/late-updates.000001.txt`, tables: ['orders'], read: { table: 'orders', format: 'csv' } },
      ]);
    });
  });

  it('archives a link in the inbox as a copy of the file it points to, which stays', async () => {
    await withWarehouse(async ({ db, config }) => {
      const elsewhere = writeFiles({ 'orders.csv': orders });
      mkdirSync(config.inboxDir, { recursive: true });
      symlinkSync(join(elsewhere, 'orders.csv'), join(config.inboxDir, 'orders.csv'));
      await loadFiles(db, [config.inboxDir], { ...repoSeeds, archive: { dir: config.archiveDir, moveFrom: config.inboxDir } });
      expect(readdirSync(config.inboxDir)).toEqual([]);
      const archived = join(config.archiveDir, month, 'orders.000001.csv');
      expect(lstatSync(archived).isFile()).toBe(true);
      expect(readFileSync(archived, 'utf8')).toBe(orders);
      expect(readFileSync(join(elsewhere, 'orders.csv'), 'utf8')).toBe(orders);
    });
  });

  it('starts a new line after a line cut short by a crash, and ignores the cut line', async () => {
    await withWarehouse(async ({ db, config }) => {
      const dir = writeFiles({ 'orders.csv': orders });
      mkdirSync(config.archiveDir, { recursive: true });
      appendFileSync(join(config.archiveDir, 'manifest.jsonl'), '{"sequence":1,"archived":"2026-');
      await loadFiles(db, [dir], { ...repoSeeds, archive: { dir: config.archiveDir } });
      const lines = readFileSync(join(config.archiveDir, 'manifest.jsonl'), 'utf8').split('\n');
      expect(lines[0]).toBe('{"sequence":1,"archived":"2026-');
      expect(JSON.parse(lines[1]!)).toMatchObject({ sequence: 1, archived: `${month}/orders.000001.csv` });
      expect(lines[2]).toBe('');
    });
  });
});
