import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { generateShop } from '../../pipelines/generate/generate-shop.js';
import { expectSucceeded, fileHash, publishedPath, scalar } from '../helpers/refresh-state.js';
import { shopTimeZone } from '../helpers/repo-seeds.js';
import { runCli } from '../helpers/run-cli.js';

// Out of space at each step a command takes, as full-disk.test.ts makes it: a file-size limit
// (`ulimit -f`) on the CLI's process, past which every write fails (EFBIG) as on a full disk.
const root = mkdtempSync(join(tmpdir(), 'out-of-space-steps-'));
const state = join(root, 'state');
let newOrders: string;
let unpaidOrder: string;

beforeAll(async () => {
  const shop = join(root, 'shop');
  await generateShop({ shopTimeZone, members: 300, days: 200, endDate: '2026-11-20', seed: 3, outDir: shop });
  mkdirSync(join(state, 'inbox'), { recursive: true });
  cpSync(shop, join(state, 'inbox'), { recursive: true, filter: (path) => !path.endsWith('.json') });
  expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences'], state));
  // Orders not loaded yet: the same lines under other order ids, some 30 KB.
  newOrders = join(root, 'orders-new.csv');
  const lines = readFileSync(join(shop, 'orders.csv'), 'utf8');
  writeFileSync(newOrders, lines.replaceAll(/^3000/gm, '3999'));
  // One order not paid, of a member known: no figure the publish guards watch moves.
  unpaidOrder = join(root, 'orders-unpaid.csv');
  writeFileSync(
    unpaidOrder,
    `${lines.split('\n')[0]}\n399900000000000001,tb_00000195,2026-11-20 10:00:00,,created,129.00,0.00,1,广东省,佛山市,13298116932,mobile,\n`,
  );
}, 300_000);

function copyOfState(name: string): string {
  const dataDir = join(root, name);
  cpSync(state, dataDir, { recursive: true });
  return dataDir;
}

/** The command's error lines; files the warehouse or the archive were left with half-written. */
function outcome(dataDir: string, stderr: string) {
  return {
    errors: stderr.split('\n').filter((line) => line.startsWith('error:')),
    lockFiles: readdirSync(dataDir).filter((name) => name.startsWith('warehouse.duckdb.lock')),
    partFiles: readdirSync(join(dataDir, 'archive'), { recursive: true }).filter((name) => String(name).endsWith('.part')),
  };
}

const runs = (dataDir: string) => scalar(dataDir, "select string_agg(status, ' ' order by run_id) from ops.runs");

describe('a command that runs out of space', () => {
  it('with no room even for the lock file says so in one line, and leaves no part of the lock behind', () => {
    const dataDir = copyOfState('lock');
    const published = fileHash(publishedPath(dataDir));
    const full = runCli(['refresh', '--no-site', '--no-audiences'], dataDir, {}, { fileSizeLimitKb: 0 });
    expect(full.status).toBe(1);
    expect(full.stderr).toBe(
      `error: out of space writing the lock file ${join(dataDir, 'warehouse.duckdb.lock')} (the file-size limit (ulimit -f) stopped it): nothing was published; the previous build stands; raise the limit and run again\n`,
    );
    expect(outcome(dataDir, full.stderr)).toEqual({ errors: [expect.any(String)], lockFiles: [], partFiles: [] });
    expect(fileHash(publishedPath(dataDir))).toBe(published);
    // Nothing could be written, the run log included: the next run starts as if it had not been.
    expect(runs(dataDir)).toBe('succeeded');
    expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences'], dataDir));
    expect(runs(dataDir)).toBe('succeeded succeeded');
  });

  it('copying a file into the archive loads nothing of it, says so in one line, logs it, and leaves no part of the copy', () => {
    const dataDir = copyOfState('archive');
    const manifest = readFileSync(join(dataDir, 'archive/manifest.jsonl'), 'utf8');
    const orders = scalar(dataDir, 'select count(*) from raw.orders');
    // Room for the run log's lines, not for a copy of the 30 KB file.
    const full = runCli(['load', newOrders], dataDir, {}, { fileSizeLimitKb: 16 });
    expect(full.status).toBe(1);
    const month = new Date().toISOString().slice(0, 7);
    // The next file in the archive's sequence, after the shop's files.
    const sequence = String(manifest.trim().split('\n').length + 1).padStart(6, '0');
    const line = `out of space writing the archive ${join(dataDir, 'archive', month, `orders-new.${sequence}.csv`)} (the file-size limit (ulimit -f) stopped it): nothing was published; the previous build stands; raise the limit and run again`;
    expect(outcome(dataDir, full.stderr)).toEqual({ errors: [`error: ${line}`], lockFiles: [], partFiles: [] });
    expect(scalar(dataDir, 'select count(*) from raw.orders')).toBe(orders);
    expect(readFileSync(join(dataDir, 'archive/manifest.jsonl'), 'utf8')).toBe(manifest);
    expect(scalar(dataDir, "select status || ': ' || message from ops.runs where command = 'load'")).toBe(`failed: ${line}`);

    expectSucceeded(runCli(['load', newOrders], dataDir));
    expect(Number(scalar(dataDir, 'select count(*) from raw.orders'))).toBe(Number(orders) + 324);
  });

  it('writing the warehouse says so in one line, records the run, and leaves no part of the lock behind', () => {
    const dataDir = copyOfState('warehouse');
    cpSync(unpaidOrder, join(dataDir, 'inbox/orders-unpaid.csv'));
    const full = runCli(['refresh', '--no-site', '--no-audiences'], dataDir, {}, { fileSizeLimitKb: 4 });
    expect(full.status).toBe(1);
    const { errors, ...left } = outcome(dataDir, full.stderr);
    expect(left).toEqual({ lockFiles: [], partFiles: [] });
    expect(errors).toHaveLength(1);
    // Which write fails first (the log, a checkpoint) is DuckDB's to say.
    expect(errors[0]).toMatch(
      /^error: out of space writing .+ \(.*the file-size limit \(ulimit -f\) stopped it\): nothing was published; the previous build stands; raise the limit and run again(; run 2 .+)?$/,
    );
    expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences'], dataDir));
    expect(runs(dataDir)).toMatch(/^succeeded (failed|interrupted) succeeded$/);
  });
});
