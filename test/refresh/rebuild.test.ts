import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shopInTwoDeliveries } from '../../pipelines/generate/shop-in-two-deliveries.js';
import { deliver, expectSucceeded, fileHash, publishedDigest, publishedPath, scalar, warehouseDigest } from '../helpers/refresh-state.js';
import { shopTimeZone } from '../helpers/repo-seeds.js';
import { runCli } from '../helpers/run-cli.js';

// A warehouse built by two refreshes and a load of a late status update read with --table, then
// damaged as a disk or a careless copy would damage it.
const root = mkdtempSync(join(tmpdir(), 'refresh-rebuild-'));
const built = join(root, 'built');
let shop: Awaited<ReturnType<typeof shopInTwoDeliveries>>;
let models: Record<string, string>;
let published: Record<string, string>;

beforeAll(async () => {
  shop = await shopInTwoDeliveries(root, 1500, 11, { shopTimeZone });
  deliver(built, shop.before);
  expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences'], built));
  // The first order of the first delivery, refunded in a file that does not say its table: the
  // rebuild must read it as orders, and after the file it updates.
  const [header, first] = readFileSync(join(shop.before, 'orders.csv'), 'utf8').split('\n');
  const columns = header!.split(',');
  const fields = first!.split(',');
  fields[columns.indexOf('status')] = 'refunded';
  fields[columns.indexOf('refund_amount')] = fields[columns.indexOf('paid_amount')]!;
  const late = join(root, 'late-status.txt');
  writeFileSync(late, `${header}\n${fields.join(',')}\n`);
  expectSucceeded(runCli(['load', '--table', 'orders', '--format', 'csv', late], built));
  deliver(built, shop.last);
  // The refund restates a closed month (2025-10: 15 buyers, 14 after it), which the publish guard holds.
  expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences', '--accept-changes'], built));
  models = await warehouseDigest(built, ['staging', 'intermediate', 'marts']);
  published = await publishedDigest(built);
}, 300_000);

const damages: Array<[string, (path: string) => void]> = [
  ['truncated to half', (path) => truncateSync(path, Math.floor(statSync(path).size / 2))],
  ['overwritten', (path) => writeFileSync(path, Buffer.alloc(statSync(path).size, 'x'))],
];

describe('a damaged warehouse file', () => {
  it.each(damages)(
    '%s: is named with the way back, and a rebuild from the archive gives the same marts',
    async (damage, spoil) => {
      const dataDir = join(root, damage.replaceAll(' ', '-'));
      cpSync(built, dataDir, { recursive: true });
      const warehouse = join(dataDir, 'warehouse.duckdb');
      spoil(warehouse);
      const damaged = fileHash(warehouse);

      const message = new RegExp(
        `^error: the warehouse ${warehouse} is damaged \\(IO Error: .+\\): the loaded files are kept in the archive; npm run warehouse -- rebuild moves the damaged file aside and rebuilds the warehouse from them\\n$`,
      );
      for (const command of [
        ['refresh', '--no-site', '--no-audiences'],
        ['query', 'select 1'],
      ]) {
        const refused = runCli(command, dataDir);
        expect(refused.status).toBe(1);
        expect(refused.stderr).toMatch(message);
      }
      expect(runCli(['status'], dataDir).stdout).toMatch(
        /^run log unavailable: the warehouse .+ is damaged .+npm run warehouse -- rebuild/m,
      );

      const rebuild = runCli(['rebuild', '--no-site'], dataDir);
      expectSucceeded(rebuild);
      expect(rebuild.stderr).toMatch(
        /^rebuilt from 8 archived files; the previous file is kept as .+warehouse\.duckdb\.damaged-[\dT-]+Z$/m,
      );
      const aside = readdirSync(dataDir).filter((name) => name.startsWith('warehouse.duckdb.damaged-'));
      expect(aside).toHaveLength(1);
      expect(fileHash(join(dataDir, aside[0]!))).toBe(damaged);

      expect(await warehouseDigest(dataDir, ['staging', 'intermediate', 'marts'])).toEqual(models);
      expect(await publishedDigest(dataDir)).toEqual(published);
      expect(scalar(dataDir, 'select count(*) from raw.orders')).toBe(String(shop.orders + 1));
      expect(scalar(dataDir, "select string_agg(command || ' ' || status, ', ') from ops.runs")).toBe('rebuild succeeded');
    },
    300_000,
  );

  it('is not moved aside when the archive cannot rebuild it', () => {
    const dataDir = join(root, 'incomplete-archive');
    cpSync(built, dataDir, { recursive: true });
    const before = fileHash(join(dataDir, 'warehouse.duckdb'));
    const manifest = join(dataDir, 'archive/manifest.jsonl');
    const entries = readFileSync(manifest, 'utf8').split('\n').filter(Boolean);
    const late = JSON.parse(entries[5]!) as { archived: string; original: string };
    expect(late.original).toBe(join(root, 'late-status.txt'));

    // A file gone from the archive (and from where it was loaded from).
    rmSync(join(dataDir, 'archive', late.archived));
    rmSync(late.original);
    const missing = runCli(['rebuild', '--no-site'], dataDir);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe(
      `error: the archive lacks 1 of its files, so nothing was changed: ${join(dataDir, 'archive', late.archived)}\n`,
    );

    // A readable warehouse holding a file the archive does not list (loaded before files were archived).
    writeFileSync(manifest, `${entries.filter((_, index) => index !== 5).join('\n')}\n`);
    const unlisted = runCli(['rebuild', '--no-site'], dataDir);
    expect(unlisted.status).toBe(1);
    expect(unlisted.stderr).toMatch(
      /^error: the warehouse can still be read, and 1 of the files loaded into it are not in the archive \(loaded before files were archived\), so nothing was changed: .+late-status\.txt; /,
    );
    expect(fileHash(join(dataDir, 'warehouse.duckdb'))).toBe(before);
    expect(existsSync(publishedPath(dataDir))).toBe(true);
  }, 120_000);
});
