import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, type WatchEventType, watch, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { WarehouseConfig } from '../config.js';
import { spawnBuildProcess } from '../publish/build-process-group.js';
import { evidenceEnv, evidencePath, runEvidence } from '../publish/build-site.js';
import { devMartsPath, stageMarts } from '../publish/publish-marts.js';
import { evidenceOutputs, martTables, siteWorkspace, writeMartSources } from '../publish/site-workspace.js';
import type { RunContext } from '../run/run-context.js';
import { withRun } from '../run/run-log.js';
import { BuildShadows } from '../transform/build-shadows.js';
import { buildWarehouse } from '../transform/build-warehouse.js';
import { contentOf } from '../transform/model-fingerprint.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';

export interface DevOptions {
  port: number;
  /**
   * The context of each build: resolved again for every build, as each is a run of its own and
   * reads the seeds/parameters.csv and models/macros.sql being edited.
   */
  resolveContext: () => Promise<RunContext>;
  log: (line: string) => void;
}

interface DevBuild {
  /** Every mart of the build. */
  tables: string[];
  /** The marts whose rows differ from the last development copy's. */
  changed: string[];
}

/** The digest of each mart's rows in the development copy, as the loop last wrote it. */
type MartDigests = Map<string, string>;

// The folders of reports/ an analyst edits, mirrored into the workspace as they change; the
// sources are generated from the marts (site-workspace.ts).
const notMirrored = new Set(['node_modules', 'sources', ...evidenceOutputs]);

/**
 * The analyst's loop: builds what changed, copies the marts to a development file (never the
 * published one; no audiences, no site build), and runs Evidence's dev server on a copy of
 * reports/ in the data folder. On each save under models/ or seeds/ it builds again and the
 * marts that changed are extracted again, which reloads their data on the open page; a page saved
 * under reports/ reloads as Evidence reloads it. A failed build is shown in the terminal and on
 * the page, and the page keeps the last good build's data.
 */
export async function runDevLoop(config: WarehouseConfig, options: DevOptions): Promise<void> {
  const { log } = options;
  evidencePath(config);
  if (!existsSync(config.warehousePath)) throw new Error(noShop(config));
  const workspace = siteWorkspace(config, 'dev-workspace');
  // Written where the dev server serves static files from (reports/pages/+layout.svelte reads it),
  // not through Evidence's copy of static/, which may lag.
  const statusDir = join(workspace, '.evidence/template/static');
  const showStatus = (error: string | null) => {
    mkdirSync(statusDir, { recursive: true });
    writeFileSync(join(statusDir, 'dev-status.json'), JSON.stringify({ error }));
  };

  const digests: MartDigests = new Map();
  const first = await devBuild(config, options, digests).catch((error: Error) => {
    if (!existsSync(devMartsPath(config))) throw error;
    log(`dev: the build failed; the pages show the last good build until it is fixed:\n${error.message}`);
    showStatus(error.message);
    return undefined;
  });
  const martsFile = devMartsPath(config);
  writeMartSources(workspace, first?.tables ?? (await martTables(martsFile)));
  const { parameters } = await options.resolveContext();
  const env = evidenceEnv(config, workspace, martsFile, { parameters, nodeEnv: 'development' });
  log('dev: extracting the marts for the pages');
  await runEvidence(config, workspace, ['sources'], env, { record: false });

  const server = spawnBuildProcess(config, evidencePath(config), ['dev', '--port', String(options.port)], {
    cwd: workspace,
    env,
    record: false,
  });
  for (const stream of [server.stdout, server.stderr]) stream.on('data', (chunk: Buffer) => process.stderr.write(quiet(chunk.toString())));
  log(`dev: pages on http://localhost:${options.port}/ once Evidence says ready; watching models/, seeds/ and reports/ (Ctrl-C stops)`);

  const rebuild = serialized(async () => {
    const started = performance.now();
    try {
      const built = await devBuild(config, options, digests);
      const added = writeMartSources(workspace, built.tables, new Set(built.changed));
      showStatus(null);
      const marts = [...new Set([...built.changed, ...added])];
      log(
        `dev: built in ${((performance.now() - started) / 1000).toFixed(1)}s; ${marts.length === 0 ? 'no mart changed' : `extracting ${marts.join(', ')}`}`,
      );
    } catch (error) {
      log(`dev: the build failed; the pages show the last good build until it is fixed:\n${(error as Error).message}`);
      showStatus((error as Error).message);
    }
  });
  const watchers = [
    ...[config.modelsDir, config.seedsDir].map((dir) => watch(dir, { recursive: true }, debounced(rebuild))),
    ...mirrorReports(config, workspace),
  ];
  await new Promise<void>((resolve, reject) => {
    server.on('error', reject);
    server.on('close', (code) => (code === 0 || code === null ? resolve() : reject(new Error(`evidence dev stopped (exit ${code})`))));
  }).finally(() => {
    for (const watcher of watchers) watcher.close();
  });
}

// Evidence lists every query it skipped and every file of its manifest on each extraction.
const evidenceNoise = /^\s*\|\s|ℹ Skipped|Processing\.\.\.|Loading plugins|^-+$|^\s*\[Processing\]|Updated manifest|Updating schema|^\s*$/;

function quiet(text: string): string {
  return text
    .split('\n')
    .filter((line) => !evidenceNoise.test(line))
    .map((line) => `${line}\n`)
    .join('');
}

/**
 * One build of every model that changed, as one run, and the marts copied to the development file.
 * The marts a build remade (the forecast refits and the run log's views, every time) are compared
 * with the last copy by their rows: only those that differ are extracted for the pages again.
 */
async function devBuild(config: WarehouseConfig, options: DevOptions, digests: MartDigests): Promise<DevBuild> {
  const warehouse = await openWarehouse(config, { command: 'dev', waitSeconds: 60, log: options.log });
  try {
    const { db } = warehouse;
    const { rows } = await sql<{ files: number }>`select count(*)::int as files from ops.loaded_files`.execute(db);
    if (rows[0]!.files === 0) {
      throw new Error(noShop(config));
    }
    const context = await options.resolveContext();
    return await withRun(warehouse, 'dev', async (runId) => {
      const models = await buildWarehouse(db, {
        ...context,
        runId,
        // The models that did not change are not news.
        log: (line) => (/, unchanged\s|^\[\d+\/\d+\] \S+\s+view\s/.test(line) ? undefined : options.log(line)),
      });
      const { rows: remade } = await sql<{ model: string }>`
        select model from ops.model_runs
        where run_id = ${runId} and model like 'marts.%' and mode is distinct from 'unchanged'`.execute(db);
      const remadeDigests = (
        await contentOf(
          db,
          remade.map(({ model }) => model),
          new BuildShadows(),
        )
      ).map((entry) => entry.split('='));
      const changed = remadeDigests
        .filter(([model, digest]) => digests.get(model!) !== digest)
        .map(([model]) => model!.slice('marts.'.length));
      const staged = await stageMarts(db, context, { models, target: devMartsPath(config) });
      staged.publish();
      for (const [model, digest] of remadeDigests) digests.set(model!, digest!);
      return { tables: models.filter((model) => model.schema === 'marts').map((model) => model.table), changed };
    });
  } finally {
    await warehouse.close();
  }
}

function noShop(config: WarehouseConfig): string {
  return `${config.warehousePath} holds no shop yet: run npm start (the sample shop) or a refresh first`;
}

/** Copies each file saved under reports/ into the workspace, where Evidence's own watcher takes it. */
function mirrorReports(config: WarehouseConfig, workspace: string) {
  const reportsDir = join(config.projectDir, 'reports');
  const mirror = (path: string) => {
    const from = join(reportsDir, path);
    const to = join(workspace, path);
    if (!existsSync(from)) rmSync(to, { recursive: true, force: true });
    else if (statSync(from).isDirectory()) mkdirSync(to, { recursive: true });
    else cpSync(from, to);
  };
  const folders = readdirSync(reportsDir).filter((name) => !notMirrored.has(name) && statSync(join(reportsDir, name)).isDirectory());
  return [
    watch(reportsDir, (_event, name) => name && !notMirrored.has(name) && !folders.includes(name) && mirror(name)),
    ...folders.map((folder) => watch(join(reportsDir, folder), { recursive: true }, (_event, name) => name && mirror(join(folder, name)))),
  ];
}

// Saves come in bursts (an editor writes, renames, touches): one build after the last.
function debounced(run: () => void, ms = 200) {
  let timer: NodeJS.Timeout | undefined;
  return (_event: WatchEventType, _name: string | null) => {
    clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
}

// A save during a build builds again once it ends, never two at once.
function serialized(work: () => Promise<void>) {
  let running: Promise<void> | undefined;
  let again = false;
  const run = (): void => {
    if (running) {
      again = true;
      return;
    }
    running = work().finally(() => {
      running = undefined;
      if (again) {
        again = false;
        run();
      }
    });
  };
  return run;
}
