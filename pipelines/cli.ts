#!/usr/bin/env -S npx tsx
import { defineCommand, runCommand, runMain } from 'citty';
import { exportAudience } from './audience/export-audience.js';
import { buildWarehouse, testWarehouse } from './build/build-warehouse.js';
import { loadConfig } from './config.js';
import { generateShop } from './generate/generate-shop.js';
import { benchSizes, runBench, type BenchSize } from './bench/run-bench.js';
import { inputFormats } from './load/detect-input.js';
import { layoutNames, readFormat, readMapping } from './load/input-mapping.js';
import { loadFiles } from './load/load-files.js';
import { logger } from './logger.js';
import { runMainJob } from './main-job.js';
import { runQuery, type QueryFormat } from './query.js';
import { siteDir } from './publish/build-site.js';
import { serveSite } from './publish/serve-site.js';
import { refresh } from './refresh.js';
import { describeStatus } from './status.js';
import { withRun } from './run-log.js';
import { openWarehouse, type Warehouse } from './warehouse/open-warehouse.js';

const log = (line: string) => logger.log(line);

// Writers take the warehouse lock; --wait says how long to wait for another writer.
const waitArg = { type: 'string', description: 'seconds to wait when another process is writing the warehouse', default: '0' } as const;
function waitSeconds(raw: unknown): number {
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`--wait takes a number of seconds, not '${raw}'`);
  return seconds;
}

async function withWarehouse(
  access: { command: string; wait?: unknown } | 'read-only',
  work: (warehouse: Warehouse) => Promise<void>,
): Promise<void> {
  const warehouse = await openWarehouse(loadConfig(), access === 'read-only'
    ? { readOnly: true }
    : { command: access.command, waitSeconds: waitSeconds(access.wait), log });
  try {
    await work(warehouse);
  } finally {
    await warehouse.close();
  }
}

// `--set name=value` (repeatable) overrides a parameter of seeds/parameters.csv for one run.
const setArg = { type: 'string', description: 'override a parameter of seeds/parameters.csv, name=value (repeatable)' } as const;
// citty keeps only the last of a repeated option, so every --set is read from the raw arguments.
function parseSets(): Record<string, string> {
  const values = process.argv.slice(2).flatMap((arg, index, all) => {
    if (arg === '--set') return all[index + 1] === undefined ? [''] : [all[index + 1]!];
    return arg.startsWith('--set=') ? [arg.slice('--set='.length)] : [];
  });
  return Object.fromEntries(values.map((item) => {
    const [name, ...rest] = item.split('=');
    if (!name || rest.length === 0) throw new Error(`--set takes name=value, got '${item}'`);
    return [name, rest.join('=')];
  }));
}
const fullRefreshArg = { type: 'boolean', description: 'rebuild incremental models in full', default: false } as const;
const selectArg = { type: 'string', description: "models: 'name', 'name+' (and downstream), '+name' (and upstream); several separated by spaces" } as const;
const selectors = (raw: unknown) => (raw === undefined ? [] : String(raw).split(/[\s,]+/).filter(Boolean));

const load = defineCommand({
  meta: { name: 'load', description: 'load input files (canonical csv, parquet, jsonl, arrow; shop exports) or folders of them into raw.*' },
  args: {
    paths: { type: 'positional', description: 'files or folders', required: true },
    table: { type: 'string', description: 'the raw table, when a file name does not tell it' },
    format: { type: 'string', description: `how to read the files, overriding their extension and header: ${inputFormats.join(', ')}, or a layout (${layoutNames().join(', ')})` },
    mapping: { type: 'string', description: 'read the files through a column mapping: a layout name (e.g. cdnow) or the path of a mapping file' },
    wait: waitArg,
  },
  run: ({ args }) => withWarehouse({ command: 'load', wait: args.wait }, async ({ db, config }) => {
    const read = args.mapping ? { mapping: readMapping(args.mapping) } : args.format ? readFormat(args.format) : {};
    await withRun(db, 'load', (runId) => loadFiles(db, args._, { ...read, table: args.table, runId, seedsDir: config.seedsDir, log }));
  }),
});

const build = defineCommand({
  meta: { name: 'build', description: 'build models (all, or --select) and run their data tests' },
  args: {
    select: selectArg,
    set: setArg,
    'full-refresh': fullRefreshArg,
    wait: waitArg,
  },
  run: ({ args }) => withWarehouse({ command: 'build', wait: args.wait }, async ({ db, config }) => {
    await withRun(db, 'build', (runId) => buildWarehouse(db, config, { runId, select: selectors(args.select), parameters: parseSets(), fullRefresh: args['full-refresh'], log }));
  }),
});

const test = defineCommand({
  meta: { name: 'test', description: 'run the data tests of the models as built' },
  args: { select: selectArg, set: setArg, wait: waitArg },
  run: ({ args }) => withWarehouse({ command: 'test', wait: args.wait }, async ({ db, config }) => {
    await withRun(db, 'test', (runId) => testWarehouse(db, config, { runId, select: selectors(args.select), parameters: parseSets(), log }));
  }),
});

const refreshCommand = defineCommand({
  meta: { name: 'refresh', description: 'load new inbox files, build every model, run the data tests, publish the marts and build the site' },
  args: {
    set: setArg,
    site: { type: 'boolean', description: 'build the report site (--no-site: warehouse and published marts only)', default: true },
    'full-refresh': fullRefreshArg,
    wait: waitArg,
  },
  run: ({ args }) => withWarehouse({ command: 'refresh', wait: args.wait }, (warehouse) =>
    refresh(warehouse, { site: args.site, parameters: parseSets(), fullRefresh: args['full-refresh'], log })),
});

const query = defineCommand({
  meta: { name: 'query', description: 'run SQL against the warehouse (read-only) and print the result' },
  args: {
    sql: { type: 'positional', description: 'the statement', required: true },
    format: { type: 'string', description: 'table | csv | json', default: 'table' },
  },
  run: ({ args }) => withWarehouse('read-only', async ({ db }) => {
    if (!['table', 'csv', 'json'].includes(args.format)) throw new Error(`--format must be table, csv or json, not '${args.format}'`);
    process.stdout.write(await runQuery(db, args.sql, args.format as QueryFormat));
  }),
});

const generate = defineCommand({
  meta: { name: 'generate', description: 'write a sample shop (canonical input files) with its planted truth' },
  args: {
    members: { type: 'string', description: 'members', default: '20000' },
    days: { type: 'string', description: 'days of history, ending on --end', default: '730' },
    end: { type: 'string', description: 'last day of history', default: '2026-11-20' },
    seed: { type: 'string', description: 'random seed; same seed, same bytes', default: '1' },
    out: { type: 'string', description: 'output folder', default: 'data/sample' },
  },
  run: async ({ args }) => {
    const truth = await generateShop({
      members: Number(args.members), days: Number(args.days), endDate: args.end, seed: Number(args.seed), outDir: args.out,
    }, log);
    log(`wrote ${args.out}: ${Object.entries(truth.rows).map(([table, rows]) => `${rows.toLocaleString('en-US')} ${table}`).join(', ')}`);
  },
});

const list = (raw: unknown) => (raw === undefined ? undefined : String(raw).split(',').map((item) => item.trim()).filter(Boolean));
const number = (raw: unknown) => (raw === undefined ? undefined : Number(raw));

const audience = defineCommand({
  meta: { name: 'audience', description: 'export the audience of a campaign (with phones) as CSV, Parquet or Arrow IPC, with an optional control group' },
  args: {
    campaign: { type: 'string', description: 'campaign id the contacts are for', required: true },
    'send-at': { type: 'string', description: 'when the campaign is sent, YYYY-MM-DD [HH:MM]', required: true },
    out: { type: 'string', description: 'output file: .csv, .parquet or .arrow (Arrow IPC)', required: true },
    segment: { type: 'string', description: 'RFM segments, comma separated (e.g. champions,important_to_retain)' },
    stage: { type: 'string', description: 'lifecycle stages, comma separated (e.g. silent,sleeping)' },
    level: { type: 'string', description: 'member levels, comma separated (e.g. senior,vip)' },
    tier: { type: 'string', description: 'city tiers, comma separated (e.g. 1,2)' },
    'due-category': { type: 'string', description: 'category due for repurchase: last bought it between --due-window times its cycle ago' },
    'due-product': { type: 'string', description: 'product id due for repurchase, as --due-category' },
    'due-window': { type: 'string', description: 'low,high multiples of the category cycle', default: '0.8,1.2' },
    'exclude-bought-within': { type: 'string', description: 'leave out members who bought within this many days' },
    price: { type: 'string', description: 'promoted price: leave out members whose average order is below --min-value-ratio of it' },
    'min-value-ratio': { type: 'string', description: 'share of --price a member\'s average order must reach', default: '0.5' },
    control: { type: 'string', description: 'random share held out as control group (recorded in the file)', default: '0' },
    seed: { type: 'string', description: 'seed of the control draw', default: '1' },
    wait: waitArg,
  },
  run: ({ args }) => withWarehouse({ command: 'audience', wait: args.wait }, async ({ db }) => {
    const result = await exportAudience(db, {
      campaignId: args.campaign, sendAt: args['send-at'], out: args.out, controlFraction: Number(args.control), seed: Number(args.seed),
      filters: {
        segments: list(args.segment), stages: list(args.stage), levels: list(args.level), tiers: list(args.tier)?.map(Number),
        dueCategory: args['due-category'], dueProduct: args['due-product'], dueWindow: list(args['due-window'])!.map(Number) as [number, number],
        excludeBoughtWithinDays: number(args['exclude-bought-within']), price: number(args.price), minOrderValueRatio: Number(args['min-value-ratio']),
      },
    });
    log(`wrote ${result.path}: ${result.rows} members, ${result.controlRows} held out as control`);
  }),
});

const serve = defineCommand({
  meta: { name: 'serve', description: 'serve the built report site on localhost' },
  args: { port: { type: 'string', description: 'port', default: '4173' } },
  run: async ({ args }) => {
    const dir = siteDir(loadConfig());
    await serveSite(dir, Number(args.port));
    log(`serving ${dir} at http://127.0.0.1:${args.port}/ (Ctrl-C to stop)`);
  },
});

const bench = defineCommand({
  meta: { name: 'bench', description: 'time load, build, refresh and the site on generated shops beside the floor (one SQL script); see BENCHMARKS.md' },
  args: {
    sizes: { type: 'string', description: `shop sizes, comma separated: ${Object.entries(benchSizes).map(([size, members]) => `${size} = ${members.toLocaleString('en-US')} members`).join(', ')}`, default: 'S,M' },
    runs: { type: 'string', description: 'runs of each step; the report shows medians', default: '3' },
    site: { type: 'boolean', description: 'also time a refresh that builds the site', default: true },
    polars: { type: 'boolean', description: 'also time nodejs-polars and in-memory DuckDB computing the same marts (polars is installed into pipelines/bench/ by npm run bench)', default: true },
  },
  run: async ({ args }) => {
    const sizes = String(args.sizes).split(',').map((size) => size.trim().toUpperCase());
    const unknown = sizes.filter((size) => !(size in benchSizes));
    if (unknown.length > 0) throw new Error(`--sizes: unknown size ${unknown.join(', ')} (known: ${Object.keys(benchSizes).join(', ')})`);
    const runs = Number(args.runs);
    if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a whole number ≥ 1, not '${args.runs}'`);
    const { report } = await runBench(loadConfig(), { sizes: sizes as BenchSize[], runs, site: args.site, polars: args.polars, log });
    process.stdout.write(`${report}\n`);
  },
});

const status = defineCommand({
  meta: { name: 'status', description: 'the lock, the last runs, the freshness check and what is published' },
  run: async () => {
    process.stdout.write(await describeStatus(loadConfig()));
  },
});

const main = defineCommand({
  meta: { name: 'main', description: 'the main job on the embedded default: sample shop → warehouse → tests → report site' },
  run: () => runMainJob(loadConfig(), log),
});

const cli = defineCommand({
  meta: { name: 'warehouse', description: 'member-analytics warehouse' },
  subCommands: { load, build, test, refresh: refreshCommand, query, status, generate, audience, serve, main, bench },
});

// citty prints usage for --help; everything else runs here so that an error shows its message
// (which names the file at fault) rather than a stack trace, and exits non-zero.
const rawArgs = process.argv.slice(2);
if (rawArgs.length === 0 || rawArgs.includes('--help') || rawArgs.includes('-h')) await runMain(cli);
else {
  await runCommand(cli, { rawArgs }).catch((error: Error & { code?: string }) => {
    logger.error(error.code?.startsWith('E_') ? `${error.message} (see --help)` : error.message);
    process.exit(1);
  });
}
