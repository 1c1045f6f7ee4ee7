import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { WarehouseConfig } from '../pipelines/config.js';
import { generateShop } from '../pipelines/generate/generate-shop.js';
import { readParameters, requiredParameter } from '../pipelines/run/read-parameters.js';
import { literal } from '../pipelines/warehouse/sql-text.js';
import { publishedDigest, warehouseDigest } from '../test/helpers/marts-digest.js';

export interface SoakOptions {
  nights: number;
  members: number;
  seed: number;
  /** Share of nights whose refresh is killed with SIGKILL. */
  killRate: number;
  log: (line: string) => void;
}

/** Where a refresh may be told to kill itself (pipelines/crash-point.ts). */
const crashPoints = ['load:inserted', 'load:file', 'archive:recorded', 'build:model', 'build:tested', 'publish:staged'];

interface Delivery {
  night: number;
  name: string;
  hash: string;
  /** Data lines (the header aside). */
  lines: number;
}

interface Run {
  night: number;
  seconds: number;
  outcome: 'succeeded' | 'failed' | 'killed';
  /** The crash point, or `after N.N s` for a kill from outside. */
  kill?: string;
  nothingNew: boolean;
}

export interface SoakReport {
  figures: Record<string, string | number>;
  invariants: Array<{ name: string; holds: boolean; detail: string }>;
}

/**
 * A small shop delivered night by night from one generated history, each night's refresh run as
 * cron would run it, some killed at random (at a crash point or after a random time), with a
 * second delivery of a file, a late status update and a file with bad rows mixed in; then the
 * invariants: no order loaded twice, every delivered line loaded, quarantined or skipped, marts
 * equal to a clean rebuild from the archive, status clean.
 */
export async function runSoak(config: WarehouseConfig, options: SoakOptions): Promise<SoakReport> {
  const started = performance.now();
  const random = mulberry32(options.seed);
  const soakDir = join(config.dataDir, 'soak');
  rmSync(soakDir, { recursive: true, force: true });
  const nightsDir = join(soakDir, 'nights');
  const dataDir = join(soakDir, 'data');
  const inbox = join(dataDir, 'inbox');
  mkdirSync(inbox, { recursive: true });
  const endDate = '2026-11-20';
  options.log(`generating a shop of ${options.members} members, the last ${options.nights} days delivered night by night`);
  const shopTimeZone = requiredParameter(await readParameters(config.seedsDir), 'shop_time_zone');
  await generateShop({
    members: options.members,
    days: options.nights + 365,
    shopTimeZone,
    endDate,
    seed: options.seed,
    outDir: join(soakDir, 'shop'),
  });
  const nightly = await splitByNight(join(soakDir, 'shop'), nightsDir, endDate, options.nights);

  const specials = {
    duplicate: Math.round(options.nights * 0.3),
    statusUpdate: Math.round(options.nights * 0.6),
    badFile: Math.round(options.nights * 0.75),
  };
  const deliveries: Delivery[] = [];
  const runs: Run[] = [];
  const env = { WAREHOUSE_DATA_DIR: dataDir, WAREHOUSE_MEMORY_LIMIT: config.memoryLimit };
  let statusAfterKills = 0;
  let statusAfterKillsClean = 0;
  let young: number | undefined;
  let youngArchived = 0;

  const refresh = async (night: number, kill: 'none' | 'point' | 'timer') => {
    const median = medianSeconds(runs) ?? 5;
    const point = kill === 'point' ? crashPoints[Math.floor(random() * crashPoints.length)]! : undefined;
    const delay = kill === 'timer' ? (0.1 + random() * 1.1) * median : undefined;
    let result = await runCli(
      ['refresh', '--no-site', '--no-audiences'],
      { ...env, ...(point ? { WAREHOUSE_CRASH_AT: point } : {}) },
      delay,
    );
    // The late status update may restate a closed month beyond seeds/publish_guards.csv: the
    // operator reads what moved and accepts it, as the held run asks (exit status 3).
    if (result.status === 3) {
      options.log(`night ${night}: publish held, accepted: ${result.stderr.trim().split('\n').at(-1)}`);
      result = await runCli(['refresh', '--no-site', '--no-audiences', '--accept-changes'], env);
    }
    const nothingNew = /nothing new since run/.test(result.stderr);
    const run: Run = {
      night,
      seconds: result.seconds,
      outcome: result.signal ? 'killed' : result.status === 0 ? 'succeeded' : 'failed',
      nothingNew,
    };
    if (run.outcome === 'killed') run.kill = point ?? `after ${delay!.toFixed(1)} s`;
    if (run.outcome === 'failed') options.log(`night ${night}: refresh failed:\n${result.stderr.slice(-2000)}`);
    runs.push(run);
    if (run.outcome === 'killed') {
      // What the operator sees after the kill: nothing said to be running.
      const status = (await runCli(['status'], env)).stdout;
      statusAfterKills += 1;
      if (!/\brunning\b/.test(status) && !/^lock {7}held by/m.test(status)) statusAfterKillsClean += 1;
    }
    return run;
  };

  // Refreshes until one finds nothing new (completing a killed one), then two more: the median of three.
  const nothingNew = async (night: number) => {
    const timed: number[] = [];
    for (let attempt = 0; attempt < 6 && timed.length < 3; attempt++) {
      const run = await refresh(night, 'none');
      if (run.nothingNew) timed.push(run.seconds);
    }
    return median(timed);
  };

  for (let night = 1; night <= options.nights; night++) {
    const files = nightly.get(night) ?? [];
    for (const file of files) deliver(join(nightsDir, file), inbox, file, night, deliveries);
    if (night === specials.duplicate) {
      const earlier = [...deliveries].reverse().find((delivery) => delivery.name.startsWith('orders-') && delivery.night < night);
      if (earlier) deliver(join(nightsDir, earlier.name), inbox, earlier.name.replace('.csv', '-sent-again.csv'), night, deliveries);
    }
    if (night === specials.statusUpdate) {
      const path = join(soakDir, 'orders-late-status-update.csv');
      await lateStatusUpdate(join(soakDir, 'shop'), path, nightDate(endDate, options.nights, night));
      deliver(path, inbox, 'orders-late-status-update.csv', night, deliveries);
    }
    if (night === specials.badFile) {
      const path = join(soakDir, 'orders-with-bad-rows.csv');
      writeFileSync(path, badFile(readFileSync(join(soakDir, 'shop', 'orders.csv'), 'utf8')));
      deliver(path, inbox, 'orders-with-bad-rows.csv', night, deliveries);
    }
    const killed = random() < options.killRate ? (random() < 0.5 ? 'point' : 'timer') : 'none';
    const run = await refresh(night, killed);
    // Refreshes with nothing new on a young warehouse, to set beside the same at the end.
    if (night === 1) {
      young = await nothingNew(night);
      youngArchived = archivedFiles(dataDir).length;
    }
    if (night % 10 === 0 || run.outcome !== 'succeeded')
      options.log(
        `night ${night}/${options.nights}: ${files.length} files, refresh ${run.outcome}${run.kill ? ` (${run.kill})` : ''}, ${run.seconds.toFixed(1)} s`,
      );
  }
  // The morning after: the runs complete whatever the last kill left, then find nothing new.
  const old = await nothingNew(options.nights + 1);

  const invariants = await checkInvariants(dataDir, deliveries, env, options.log);
  const rebuildDir = join(soakDir, 'rebuilt');
  cpSync(dataDir, rebuildDir, { recursive: true });
  options.log('rebuilding a copy from the archive');
  const rebuild = await runCli(['rebuild', '--no-site'], { ...env, WAREHOUSE_DATA_DIR: rebuildDir });
  const schemas = ['staging', 'intermediate', 'marts'];
  const same =
    rebuild.status === 0 &&
    JSON.stringify(await warehouseDigest(dataDir, schemas)) === JSON.stringify(await warehouseDigest(rebuildDir, schemas)) &&
    JSON.stringify(await publishedDigest(dataDir)) === JSON.stringify(await publishedDigest(rebuildDir));
  invariants.push({
    name: 'marts equal to a clean rebuild from the archive',
    holds: same,
    detail: rebuild.status === 0 ? 'every staging, intermediate and mart table, and the published file' : rebuild.stderr.slice(-500),
  });

  const killed = runs.filter((run) => run.outcome === 'killed');
  const archived = archivedFiles(dataDir);
  const refreshSeconds = runs.filter((run) => run.outcome === 'succeeded' && !run.nothingNew).map((run) => run.seconds);
  return {
    figures: {
      nights: options.nights,
      members: options.members,
      'files delivered': deliveries.length,
      'lines delivered': deliveries.reduce((sum, delivery) => sum + delivery.lines, 0),
      refreshes: runs.length,
      'killed (SIGKILL)': killed.length,
      'killed at a crash point': killed.filter((run) => !run.kill!.startsWith('after')).length,
      'killed after a random time': killed.filter((run) => run.kill!.startsWith('after')).length,
      'crash points hit': [...new Set(killed.map((run) => run.kill).filter((kill) => !kill!.startsWith('after')))].sort().join(', '),
      failed: runs.filter((run) => run.outcome === 'failed').length,
      'status after a kill said nothing is running': `${statusAfterKillsClean} of ${statusAfterKills}`,
      'files archived': archived.length,
      'archive size (MB)': (directorySize(join(dataDir, 'archive')) / 1024 / 1024).toFixed(1),
      'refresh with new files, median s': (median(refreshSeconds) ?? 0).toFixed(1),
      'refresh with nothing new, median of 3, s (night 1 → end)': `${young?.toFixed(1)} → ${old?.toFixed(1)}`,
      'archived files then → at the end': `${youngArchived} → ${archived.length}`,
      'rebuild from the archive, s': rebuild.seconds.toFixed(1),
      'total minutes': ((performance.now() - started) / 60_000).toFixed(1),
    },
    invariants,
  };
}

// One file per table and night: the orders created that day and their items. Night 0 is the
// history before the first night, with every member and campaign.
async function splitByNight(shopDir: string, nightsDir: string, endDate: string, nights: number): Promise<Map<number, string[]>> {
  mkdirSync(nightsDir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const read = (table: string) => `read_csv(${literal(join(shopDir, `${table}.csv`))}, all_varchar = true)`;
  const first = nightDate(endDate, nights, 1);
  const byNight = new Map<number, string[]>();
  try {
    await connection.run(`create table orders as select *, date_diff('day', ${literal(first)}::date, created_at::date) + 1 as night from ${read('orders')};
      create table order_items as select items.*, orders.night from ${read('order_items')} as items join orders using (order_id)`);
    const write = async (query: string, name: string, night: number) => {
      await connection.run(`copy (${query}) to ${literal(join(nightsDir, name))} (header, quote '"')`);
      byNight.set(night, [...(byNight.get(night) ?? []), name]);
    };
    for (const table of ['members', 'campaigns', 'campaign_contacts']) await write(`select * from ${read(table)}`, `${table}.csv`, 1);
    await write('select * exclude (night) from order_items where night < 1', 'order_items-history.csv', 1);
    await write('select * exclude (night) from orders where night < 1', 'orders-history.csv', 1);
    const days = (await connection.runAndReadAll('select distinct night from orders where night >= 1 order by 1'))
      .getRows()
      .map(([n]) => Number(n));
    for (const night of days) {
      const date = nightDate(endDate, nights, night);
      await write(`select * exclude (night) from order_items where night = ${night}`, `order_items-${date}.csv`, night);
      await write(`select * exclude (night) from orders where night = ${night}`, `orders-${date}.csv`, night);
    }
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
  return byNight;
}

// Twenty orders delivered before, refunded in a later export.
async function lateStatusUpdate(shopDir: string, path: string, before: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`copy (select * replace ('refunded' as status, paid_amount as refund_amount)
      from read_csv(${literal(join(shopDir, 'orders.csv'))}, all_varchar = true)
      where status = 'completed' and created_at < ${literal(before)} order by created_at desc, order_id limit 20) to ${literal(path)} (header, quote '"')`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

// Three good new orders, a bad date, a negative amount, an amount that is not a number, and a
// last line cut short.
function badFile(orders: string): string {
  const [header, first] = orders.split('\n');
  const columns = header!.split(',');
  const row = (id: string, changes: Record<string, string>) => {
    const fields = first!.split(',');
    fields[columns.indexOf('order_id')] = id;
    for (const [column, value] of Object.entries(changes)) fields[columns.indexOf(column)] = value;
    return fields.join(',');
  };
  return [
    header,
    row('soak-good-1', {}),
    row('soak-good-2', {}),
    row('soak-bad-date', { created_at: '2026-13-45 10:00:00' }),
    row('soak-good-3', {}),
    row('soak-bad-negative', { paid_amount: '-5.00' }),
    row('soak-bad-amount', { paid_amount: 'abc' }),
    row('soak-cut', {}).slice(0, 30),
  ].join('\n');
}

function deliver(from: string, inbox: string, name: string, night: number, deliveries: Delivery[]): void {
  const content = readFileSync(from);
  // Written beside the inbox and renamed in, as a delivery that is complete when it appears.
  const part = join(inbox, '..', `${name}.part`);
  writeFileSync(part, content);
  renameSync(part, join(inbox, name));
  const lines = content.toString('utf8').split('\n').filter(Boolean).length - 1;
  deliveries.push({ night, name, hash: createHash('sha256').update(content).digest('hex'), lines });
}

async function checkInvariants(dataDir: string, deliveries: Delivery[], env: Record<string, string>, log: (line: string) => void) {
  const instance = await DuckDBInstance.create(join(dataDir, 'warehouse.duckdb'), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const files = (
      await connection.runAndReadAll('select content_hash, table_name, rows_read, rows_loaded, rows_quarantined from ops.loaded_files')
    ).getRowObjectsJS() as Array<{
      content_hash: string;
      table_name: string;
      rows_read: bigint;
      rows_loaded: bigint;
      rows_quarantined: bigint;
    }>;
    const [orderLines] = (
      await connection.runAndReadAll(
        `select count(*) as n, count(distinct (_file_id, _line)) as lines,
        (select sum(rows_loaded) from ops.loaded_files where table_name = 'orders') as loaded from raw.orders`,
      )
    ).getRowObjectsJS() as Array<{ n: bigint; lines: bigint; loaded: bigint }>;
    const byHash = new Map<string, typeof files>();
    for (const file of files) byHash.set(file.content_hash, [...(byHash.get(file.content_hash) ?? []), file]);
    const seen = new Set<string>();
    let loaded = 0;
    let quarantined = 0;
    let skipped = 0;
    const unaccounted: string[] = [];
    for (const delivery of deliveries) {
      const records = byHash.get(delivery.hash) ?? [];
      if (seen.has(delivery.hash)) skipped += delivery.lines;
      else if (records.length === 1 && Number(records[0]!.rows_read) === delivery.lines) {
        loaded += Number(records[0]!.rows_loaded);
        quarantined += Number(records[0]!.rows_quarantined);
      } else unaccounted.push(`${delivery.name} (${delivery.lines} lines, ${records.length} loads)`);
      seen.add(delivery.hash);
    }
    const delivered = deliveries.reduce((sum, delivery) => sum + delivery.lines, 0);
    const status = (await runCli(['status'], env)).stdout;
    log(status);
    return [
      {
        name: 'no order loaded twice',
        holds:
          files.length === new Set(files.map((file) => `${file.content_hash} ${file.table_name}`)).size &&
          orderLines!.n === orderLines!.lines &&
          orderLines!.n === orderLines!.loaded,
        detail: `${files.length} file loads of ${byHash.size} distinct files; raw.orders ${orderLines!.n} rows from ${orderLines!.lines} distinct file lines`,
      },
      {
        name: 'every delivered line loaded, quarantined or skipped',
        holds: unaccounted.length === 0 && delivered === loaded + quarantined + skipped,
        detail: `${delivered} delivered = ${loaded} loaded + ${quarantined} quarantined + ${skipped} skipped (second delivery)${unaccounted.length ? `; unaccounted: ${unaccounted.join(', ')}` : ''}`,
      },
      {
        name: 'status clean',
        holds:
          /^lock {7}free$/m.test(status) && !/\brunning\b|its process is gone/.test(status) && /^\d+ +refresh +succeeded/m.test(status),
        detail: 'lock free, no run running, the last refresh succeeded',
      },
    ];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function runCli(args: string[], env: Record<string, string>, killAfterSeconds?: number) {
  return new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; seconds: number }>(
    (resolve, reject) => {
      const started = performance.now();
      const child = spawn(process.execPath, ['bin/warehouse.mjs', ...args], {
        env: { ...withoutSalt(process.env), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk) => (stdout += chunk));
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const timer = killAfterSeconds === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), killAfterSeconds * 1000);
      child.on('error', reject);
      child.on('close', (status, signal) => {
        clearTimeout(timer);
        resolve({ status, signal, stdout, stderr, seconds: (performance.now() - started) / 1000 });
      });
    },
  );
}

// The soak keeps its member salt in its data folder, as a shop does: a rebuild must find it there.
function withoutSalt(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { WAREHOUSE_MEMBER_SALT: _salt, WAREHOUSE_DATA_DIR: _data, WAREHOUSE_PATH: _path, WAREHOUSE_INBOX: _inbox, ...rest } = env;
  return rest;
}

function nightDate(endDate: string, nights: number, night: number): string {
  const date = new Date(`${endDate}T00:00:00Z`);
  date.setUTCDate(date.getUTCDate() - nights + night);
  return date.toISOString().slice(0, 10);
}

function medianSeconds(runs: Run[]): number | undefined {
  return median(runs.filter((run) => run.outcome === 'succeeded' && !run.nothingNew).map((run) => run.seconds));
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function archivedFiles(dataDir: string): string[] {
  return readdirSync(join(dataDir, 'archive'), { recursive: true })
    .map(String)
    .filter((name) => name.endsWith('.csv'));
}

function directorySize(dir: string): number {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((path) => statSync(path).isFile())
    .reduce((sum, path) => sum + statSync(path).size, 0);
}

// A small seeded generator: the same seed, the same nights and kills.
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
