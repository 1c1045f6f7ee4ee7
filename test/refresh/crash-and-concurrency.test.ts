import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { shopInTwoDeliveries } from '../../pipelines/generate/shop-in-two-deliveries.js';
import { type CliResult, runCli, startCli } from '../helpers/run-cli.js';

// Real processes, really killed: `refresh --no-site` run by the CLI against data folders that
// differ only in what has happened to them.
const root = mkdtempSync(join(tmpdir(), 'refresh-crash-'));
let shop: Awaited<ReturnType<typeof shopInTwoDeliveries>>;
/** State A: the first delivery refreshed and published. */
const stateA = join(root, 'state-a');
/** What both deliveries give when refreshed in one go, uninterrupted. */
let reference: Record<string, string>;
/** The same, for every model's table: staging, intermediate and marts. */
let referenceModels: Record<string, string>;
let stateAMarts: Record<string, string>;
let stateAPublished: string;

const published = (dataDir: string) => join(dataDir, 'published/warehouse_marts.duckdb');
const fileHash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** One digest per table of the schemas (marts by default): equal digests, equal rows. */
async function martsDigest(file: string, catalog: string, schemas = ['marts']): Promise<Record<string, string>> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const tables = (
      await connection.runAndReadAll(`select table_schema || '.' || table_name from information_schema.tables
      where table_catalog = '${catalog}' and table_schema in ('${schemas.join("', '")}') and table_name not like 'data\\_%' escape '\\' order by 1`)
    )
      .getRows()
      .map(([name]) => String(name));
    const digest: Record<string, string> = {};
    for (const table of tables) {
      const reader = await connection.runAndReadAll(
        `select count(*) || ':' || coalesce(md5(string_agg(t::varchar, '|' order by t::varchar)), '') from ${catalog}.${table} as t`,
      );
      digest[table] = String(reader.getRows()[0]![0]);
    }
    return digest;
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const warehouseDigest = (dataDir: string, schemas?: string[]) => martsDigest(join(dataDir, 'warehouse.duckdb'), 'warehouse', schemas);
const publishedDigest = (dataDir: string) => martsDigest(published(dataDir), 'warehouse_marts');

async function scalar(dataDir: string, query: string): Promise<string> {
  const result = runCli(['query', query, '--format', 'csv'], dataDir);
  expect(result.stderr).toBe('');
  return result.stdout.trim().split('\n').slice(1).join('\n');
}

function deliver(dataDir: string, folder: string) {
  const inbox = join(dataDir, 'inbox');
  mkdirSync(inbox, { recursive: true });
  for (const name of readdirSync(folder)) cpSync(join(folder, name), join(inbox, name));
}

function expectSucceeded(result: CliResult) {
  expect(result.stderr).not.toMatch(/error|failed/i);
  expect(result.status).toBe(0);
}

beforeAll(async () => {
  shop = await shopInTwoDeliveries(root, 1500, 11);
  const whole = join(root, 'whole');
  deliver(whole, shop.before);
  deliver(whole, shop.last);
  expectSucceeded(runCli(['refresh', '--no-site'], whole));
  reference = await warehouseDigest(whole);
  referenceModels = await warehouseDigest(whole, ['staging', 'intermediate', 'marts']);
  expect(await publishedDigest(whole)).toEqual(reference);
  deliver(stateA, shop.before);
  expectSucceeded(runCli(['refresh', '--no-site'], stateA));
  stateAMarts = await warehouseDigest(stateA);
  stateAPublished = fileHash(published(stateA));
  // The last day changes the marts, or the checks below could not tell the states apart.
  expect(shop.lastDayOrders).toBeGreaterThan(0);
  expect(stateAMarts).not.toEqual(reference);
}, 300_000);

describe('an incremental refresh', () => {
  it("rebuilds only the new day's orders and the members who bought, and equals a full refresh", async () => {
    const dataDir = join(root, 'incremental');
    cpSync(stateA, dataDir, { recursive: true });
    deliver(dataDir, shop.last);
    expectSucceeded(runCli(['refresh', '--no-site'], dataDir));
    const modes = await scalar(
      dataDir,
      `select string_agg(model || ' ' || mode || ' ' || changed_keys, '; ' order by model) from ops.model_runs
      where run_id = (select max(run_id) from ops.runs) and materialized = 'incremental'`,
    );
    // Occasions are rebuilt for the members with a purchase among the new orders (an unpaid order
    // changes no occasion).
    const members = await scalar(
      dataDir,
      `select count(distinct member_id) from staging.stg_orders where is_purchase and order_id in
        (select order_id from raw.orders where _file_id = (select max(file_id) from ops.loaded_files where table_name = 'orders'))`,
    );
    expect(modes).toBe(
      [
        `intermediate.int_purchase_occasions_numbered incremental ${members}`,
        `intermediate.int_purchases_keyed incremental ${shop.lastDayOrders}`,
        `staging.stg_order_items incremental ${shop.lastDayOrders}`,
        `staging.stg_orders incremental ${shop.lastDayOrders}`,
      ].join('; '),
    );
    expect(await warehouseDigest(dataDir, ['staging', 'intermediate', 'marts'])).toEqual(referenceModels);
    expect(await publishedDigest(dataDir)).toEqual(reference);
  }, 120_000);
});

describe('a refresh killed with SIGKILL', () => {
  // Where it dies, and whether the new build had been committed to the warehouse by then.
  const points: Array<[string, boolean]> = [
    ['load:inserted', false], // inside the transaction loading the first new file
    ['load:file', false], // between two new files: the first is loaded and committed
    ['build:model', false], // after the first model of the build transaction
    ['build:tested', false], // all models built and tested, not committed
    ['publish:staged', true], // build committed, the new marts file written but not renamed into place
  ];

  it.each(points)(
    'at %s leaves readers the previous state, and the next refresh completes it',
    async (point, committed) => {
      const dataDir = join(root, `crash-${point.replace(':', '-')}`);
      cpSync(stateA, dataDir, { recursive: true });
      deliver(dataDir, shop.last);
      const crashed = runCli(['refresh', '--no-site'], dataDir, { WAREHOUSE_CRASH_AT: point });
      expect(crashed.signal).toBe('SIGKILL');
      // The operator's view: the dead holder is still named in the lock file.
      expect(runCli(['status'], dataDir).stdout).toMatch(/^lock {7}held by 'refresh' \(pid \d+ on .+, since .+\)$/m);
      // Readers of the published file see exactly the previous state.
      expect(fileHash(published(dataDir))).toBe(stateAPublished);
      expect(await warehouseDigest(dataDir)).toEqual(committed ? reference : stateAMarts);

      const next = runCli(['refresh', '--no-site'], dataDir);
      expectSucceeded(next);
      expect(next.stderr).toMatch(/taking over a stale lock: 'refresh' \(pid \d+, since .+\) is no longer running/);
      expect(await warehouseDigest(dataDir)).toEqual(reference);
      expect(await publishedDigest(dataDir)).toEqual(reference);
      // Nothing loaded twice: every order line of every file is in raw.orders once.
      expect(await scalar(dataDir, 'select count(*) from raw.orders')).toBe(String(shop.orders));
      expect(await scalar(dataDir, 'select count(*) - count(distinct content_hash) from ops.loaded_files')).toBe('0');
      expect(await scalar(dataDir, "select string_agg(status, ' ' order by run_id) from ops.runs where command = 'refresh'")).toBe(
        'succeeded interrupted succeeded',
      );
      const status = runCli(['status'], dataDir).stdout;
      expect(status).toMatch(/^lock {7}free$/m);
      expect(status).toMatch(/^\d+ +refresh +interrupted .+the process ended before the run finished$/m);
      expect(existsSync(join(dataDir, 'warehouse.duckdb.lock'))).toBe(false);
    },
    120_000,
  );
});

describe('two refreshes at once', () => {
  it('run one after the other when the second may wait', async () => {
    const dataDir = join(root, 'concurrent-wait');
    cpSync(stateA, dataDir, { recursive: true });
    deliver(dataDir, shop.last);
    const runs = await Promise.all([
      startCli(['refresh', '--no-site', '--wait', '120'], dataDir),
      startCli(['refresh', '--no-site', '--wait', '120'], dataDir),
    ]);
    for (const run of runs) expectSucceeded(run);
    expect(await warehouseDigest(dataDir)).toEqual(reference);
    expect(await scalar(dataDir, 'select count(*) from raw.orders')).toBe(String(shop.orders));
    // They did not overlap: the second started its run after the first had finished.
    const times = await scalar(
      dataDir,
      `select bool_and(started_at >= previous_finished) from (
      select started_at, lag(finished_at) over (order by run_id) as previous_finished from ops.runs where command = 'refresh' and run_id > 1) where previous_finished is not null`,
    );
    expect(times).toBe('true');
  }, 180_000);

  it('leave one running and the other refusing with the holder named, when it may not wait', async () => {
    const dataDir = join(root, 'concurrent-refuse');
    cpSync(stateA, dataDir, { recursive: true });
    deliver(dataDir, shop.last);
    const runs = await Promise.all([startCli(['refresh', '--no-site'], dataDir), startCli(['refresh', '--no-site'], dataDir)]);
    // Normally they overlap and one refuses; if the first finished before the second began, both succeed.
    expect(runs.filter((run) => run.status === 0).length).toBeGreaterThanOrEqual(1);
    for (const run of runs.filter((result) => result.status !== 0)) {
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        /^error: the warehouse is busy: 'refresh' \(pid \d+ on .+, since .+\) holds .+warehouse\.duckdb\.lock; use --wait SECONDS to wait for it\n$/,
      );
    }
    expect(await warehouseDigest(dataDir)).toEqual(reference);
    expect(await publishedDigest(dataDir)).toEqual(reference);
    expect(await scalar(dataDir, 'select count(*) from raw.orders')).toBe(String(shop.orders));
  }, 180_000);
});
