import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { WarehouseConfig } from '../pipelines/config.js';
import { shopInTwoDeliveries } from '../pipelines/generate/shop-in-two-deliveries.js';
import { readParameters, requiredParameter } from '../pipelines/run/read-parameters.js';
import { checkDataframeMarts, dataframeMartModels } from './dataframe-marts.js';
import { floorScript } from './floor-script.js';

/** Shop sizes in members; orders follow from the generator's ladder (about 1.3 per member). */
export const benchSizes = { S: 100_000, M: 1_000_000, L: 10_000_000 } as const;
export type BenchSize = keyof typeof benchSizes;

export interface BenchOptions {
  sizes: BenchSize[];
  runs: number;
  /** Also time refreshes that build the report site: bundled in full, and on new data only. */
  site: boolean;
  /** Also time nodejs-polars computing the marts it implements (run-polars.ts), and DuckDB computing the same marts in memory. */
  polars: boolean;
  log: (line: string) => void;
}

export interface Measurement {
  size: BenchSize;
  step: string;
  run: number;
  seconds: number;
  /** Peak resident memory of the step's process tree, from GNU time; null where it is absent. */
  maxRssMb: number | null;
}

export const benchSalt = 'bench-salt-0001';

/**
 * Times each pipeline step as the CLI runs it, in a process of its own, on cached generated
 * shops, beside the floor (floor-script.ts) on the same files. Before timing, the floor's marts
 * are checked to equal the pipeline's, table by table.
 */
export async function runBench(config: WarehouseConfig, options: BenchOptions): Promise<{ measurements: Measurement[]; report: string }> {
  const benchDir = join(config.dataDir, 'bench');
  const measurements: Measurement[] = [];
  for (const size of options.sizes) {
    const sizeDir = join(benchDir, size);
    const shop = await cachedShop(config, sizeDir, size, options.log);
    const script = join(sizeDir, 'floor.sql');
    writeFileSync(script, await floorScript(config, shop.before, benchSalt));
    const dataframeScript = join(sizeDir, 'floor-dataframe-marts.sql');
    writeFileSync(dataframeScript, await floorScript(config, shop.before, benchSalt, dataframeMartModels));
    const warehouseDir = join(sizeDir, 'warehouse');
    const floorDb = join(sizeDir, 'floor.duckdb');
    const env = { WAREHOUSE_DATA_DIR: warehouseDir, WAREHOUSE_MEMBER_SALT: benchSalt, WAREHOUSE_MEMORY_LIMIT: config.memoryLimit };
    for (let run = 1; run <= options.runs; run++) {
      const step = async (name: string, command: string[], extra: Record<string, string> = {}) => {
        options.log(`${size} (${shop.orders.toLocaleString('en-US')} orders) run ${run}/${options.runs}: ${name}`);
        const measured = await measure(
          config,
          command,
          { ...env, ...extra },
          join(sizeDir, 'logs', `${run}-${name.replaceAll(/\W+/g, '-')}.log`),
        );
        measurements.push({ size, step: name, run, ...measured });
        options.log(`  ${measured.seconds.toFixed(1)} s, ${measured.maxRssMb ?? '?'} MB`);
      };
      rmSync(warehouseDir, { recursive: true, force: true });
      await step('load', ['load', shop.before]);
      await step('build (full, with tests)', ['build', '--full-refresh']);
      rmSync(warehouseDir, { recursive: true, force: true });
      // A refresh moves what it loads out of its inbox into the archive: it is given links to the cached files.
      const inbox = join(sizeDir, 'inbox');
      await step('full refresh', ['refresh', '--no-site', '--no-audiences'], { WAREHOUSE_INBOX: linkedInbox(inbox, shop.before) });
      rmSync(floorDb, { force: true });
      await step('floor', ['floor', script, floorDb]);
      if (run === 1) await checkFloorEqualsPipeline(floorDb, join(warehouseDir, 'warehouse.duckdb'));
      // The dataframe alternative computes some of the marts: DuckDB is timed on the same marts, in memory as polars is.
      if (options.polars) {
        await step('DuckDB in memory (the polars marts)', ['floor', dataframeScript, ':memory:']);
        const computed = join(sizeDir, 'polars-marts.json');
        await step('nodejs-polars (the polars marts)', ['polars', shop.before, config.seedsDir, computed]);
        if (run === 1) await checkDataframeMarts(computed, floorDb);
      }
      // Everything again, the site's pages bundled as on a first build or after a page changed.
      if (options.site)
        await step('full refresh with the site bundled', ['refresh', '--full-refresh', '--no-audiences'], { WAREHOUSE_INBOX: inbox });
      await step('incremental refresh (one new day)', ['refresh', '--no-site', '--no-audiences'], {
        WAREHOUSE_INBOX: linkedInbox(inbox, shop.last),
      });
      await step('refresh, nothing new', ['refresh', '--no-site', '--no-audiences'], { WAREHOUSE_INBOX: inbox });
      // No site was published for these marts, so this refresh rebuilds the as-of models (as the
      // incremental one did) and the site, whose pages it prerenders on the new data only.
      if (options.site) await step('refresh with the site, pages unchanged', ['refresh', '--no-audiences'], { WAREHOUSE_INBOX: inbox });
    }
    rmSync(warehouseDir, { recursive: true, force: true });
    rmSync(floorDb, { force: true });
  }
  writeFileSync(join(benchDir, `results-${new Date().toISOString().replaceAll(/[:.]/g, '-')}.json`), JSON.stringify(measurements, null, 2));
  return { measurements, report: renderReport(measurements, options) };
}

async function cachedShop(config: WarehouseConfig, sizeDir: string, size: BenchSize, log: (line: string) => void) {
  const summaryPath = join(sizeDir, 'shop.json');
  if (!existsSync(summaryPath)) {
    log(`${size}: generating a shop of ${benchSizes[size].toLocaleString('en-US')} members (cached in ${sizeDir})`);
    rmSync(sizeDir, { recursive: true, force: true });
    const shopTimeZone = requiredParameter(await readParameters(config.seedsDir), 'shop_time_zone');
    const shop = await shopInTwoDeliveries(sizeDir, benchSizes[size], 2026, { shopTimeZone });
    writeFileSync(summaryPath, JSON.stringify(shop, null, 2));
  }
  return JSON.parse(readFileSync(summaryPath, 'utf8')) as {
    before: string;
    last: string;
    orders: number;
    lastDayOrders: number;
  };
}

// The inbox of a nightly run: links to a delivery's files, which the refresh replaces by archived copies.
function linkedInbox(inbox: string, delivery: string): string {
  rmSync(inbox, { recursive: true, force: true });
  mkdirSync(inbox, { recursive: true });
  for (const file of readdirSync(delivery)) symlinkSync(join(delivery, file), join(inbox, file));
  return inbox;
}

/** Runs one step as the CLI (or the floor or polars script) in a process of its own: its seconds and peak memory. */
export async function measure(config: WarehouseConfig, command: string[], env: Record<string, string>, logPath: string) {
  mkdirSync(join(logPath, '..'), { recursive: true });
  const tsx = join(config.projectDir, 'node_modules/.bin/tsx');
  const scripts: Record<string, string[]> = {
    floor: [tsx, 'bench/run-floor.ts', ...command.slice(1), config.memoryLimit, config.tempDirectory],
    polars: [tsx, 'bench/run-polars.ts', ...command.slice(1)],
  };
  const script = scripts[command[0]!] ?? [process.execPath, 'bin/warehouse.mjs', ...command];
  const timed = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', 'bench-usage %M', ...script] : script;
  const started = process.hrtime.bigint();
  const output = await new Promise<string>((resolve, reject) => {
    const child = spawn(timed[0]!, timed.slice(1), {
      cwd: config.projectDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const log = createWriteStream(logPath);
    let tail = '';
    const keep = (chunk: Buffer) => {
      log.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
    };
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    child.on('error', reject);
    child.on('close', (code) => {
      log.end();
      if (code === 0) resolve(tail);
      else reject(new Error(`${command.join(' ')} failed (exit ${code}); log: ${logPath}\n${tail.slice(-1500)}`));
    });
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rssKb = /bench-usage (\d+)/.exec(output)?.[1];
  return { seconds, maxRssMb: rssKb ? Math.round(Number(rssKb) / 1024) : null };
}

/** The floor only measures something if it computes the same thing: its marts must equal the warehouse's. */
export async function checkFloorEqualsPipeline(floorDb: string, warehouseDb: string): Promise<void> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run(`attach '${floorDb}' as floor (read_only); attach '${warehouseDb}' as pipeline (read_only)`);
    const tables = (
      await connection.runAndReadAll(
        `select table_name from duckdb_tables() where database_name = 'floor' and schema_name = 'marts' order by 1`,
      )
    )
      .getRows()
      .map(([name]) => String(name));
    const differing: string[] = [];
    for (const table of tables) {
      const [[extra, missing]] = (
        await connection.runAndReadAll(`select
        (select count(*) from (select * from floor.marts.${table} except all select * from pipeline.marts.${table})),
        (select count(*) from (select * from pipeline.marts.${table} except all select * from floor.marts.${table}))`)
      ).getRows() as [[bigint, bigint]];
      if (extra !== 0n || missing !== 0n) differing.push(`${table} (${extra} rows only in the floor, ${missing} only in the pipeline)`);
    }
    if (tables.length === 0) throw new Error('the floor built no marts');
    if (differing.length > 0) throw new Error(`the floor's marts differ from the pipeline's: ${differing.join('; ')}`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function renderReport(measurements: Measurement[], options: BenchOptions): string {
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.versions.node}`;
  const lines = [
    `machine: ${machine}; median of ${options.runs} run${options.runs === 1 ? '' : 's'}`,
    '',
    '| size | step | median s | runs (s) | peak MB (max) |',
    '|---|---|---:|---|---:|',
  ];
  const medians = new Map<string, number>();
  for (const size of options.sizes) {
    const steps = [...new Set(measurements.filter((m) => m.size === size).map((m) => m.step))];
    for (const step of steps) {
      const runs = measurements.filter((m) => m.size === size && m.step === step);
      const seconds = median(runs.map((m) => m.seconds));
      medians.set(`${size} ${step}`, seconds);
      const rss = runs.map((m) => m.maxRssMb).filter((value): value is number => value !== null);
      lines.push(
        `| ${size} | ${step} | ${seconds.toFixed(1)} | ${runs.map((m) => m.seconds.toFixed(1)).join(', ')} | ${rss.length ? Math.max(...rss) : '?'} |`,
      );
    }
  }
  lines.push('');
  for (const size of options.sizes) {
    const ratio = (part: string, whole: string) => {
      const [a, b] = [medians.get(`${size} ${part}`), medians.get(`${size} ${whole}`)];
      return a && b ? a / b : undefined;
    };
    const ratios = [
      ['full refresh / floor', ratio('full refresh', 'floor'), 'x'],
      ['incremental / full refresh', ratio('incremental refresh (one new day)', 'full refresh'), '%'],
      ['DuckDB / nodejs-polars (the polars marts)', ratio('DuckDB in memory (the polars marts)', 'nodejs-polars (the polars marts)'), 'x'],
    ] as const;
    const shown = ratios.filter(([, value]) => value !== undefined);
    if (shown.length > 0) {
      lines.push(
        `${size}: ${shown.map(([name, value, unit]) => `${name} = ${unit === '%' ? `${(100 * value!).toFixed(0)}%` : `${value!.toFixed(2)}×`}`).join('; ')}`,
      );
    }
  }
  // How each step grows from one size to the next: the median's factor beside it.
  if (options.sizes.length > 1) {
    const steps = [...new Set(measurements.map((m) => m.step))];
    lines.push('', `| step | ${options.sizes.join(' → ')} (median s, growth) |`, '|---|---|');
    for (const step of steps) {
      const cells = options.sizes.map((size, index) => {
        const seconds = medians.get(`${size} ${step}`);
        const previous = index > 0 ? medians.get(`${options.sizes[index - 1]} ${step}`) : undefined;
        if (seconds === undefined) return '–';
        return previous ? `${seconds.toFixed(1)} (${(seconds / previous).toFixed(1)}×)` : seconds.toFixed(1);
      });
      lines.push(`| ${step} | ${cells.join(' → ')} |`);
    }
  }
  return lines.join('\n');
}
