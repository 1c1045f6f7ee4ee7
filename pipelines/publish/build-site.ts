import { createHash } from 'node:crypto';
import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { dirname, extname, join, relative, resolve } from 'node:path';
import type { WarehouseConfig } from '../config.js';
import { crashPoint } from '../crash-point.js';
import { filesDigest } from '../files-digest.js';
import type { Parameter } from '../run/read-parameters.js';
import type { RunContext } from '../run/run-context.js';
import { spawnBuildProcess } from './build-process-group.js';
import { copyReports } from './monthly-report.js';
import { evidenceOutputs, martsToExtract, martTables, siteWorkspace, writeMartSources } from './site-workspace.js';

export function siteDir(config: WarehouseConfig): string {
  return join(config.dataDir, 'site');
}

// Evidence can exit 0 while a page query failed: its log is checked too.
const failurePatterns = [/Error in Query/i, /\berror\b.*\bquery\b/i, /Catalog Error|Binder Error|Parser Error/, /✖/];

/**
 * The first line of an Evidence log that reports a failed query or source, if any; of a build that
 * exited with an error, its first error line, which its last lines (a stack trace) often do not show.
 */
export function findBuildFailure(output: string, exitCode = 0): string | undefined {
  const lines = output.split('\n');
  const failure = lines.find((line) => failurePatterns.some((pattern) => pattern.test(line)));
  if (failure !== undefined || exitCode === 0) return failure;
  // Vite prints the cause (a page that does not compile, naming its file and line) after this.
  const viteError = lines.findIndex((line) => /^error during build:/.test(line));
  return (viteError >= 0 ? lines[viteError + 1] : undefined) ?? lines.find((line) => /\bError\b/.test(line));
}

export interface StagedSite {
  /** The new site, complete but not yet what `data/site` points to. */
  dir: string;
  /** Points `data/site` at it in one rename, removes older sites, and returns `data/site`. */
  publish(): string;
}

/**
 * Extracts the given marts file for Evidence and builds the report site into a new folder under
 * `data/sites/`, with the monthly reports (data/reports/) at /reports/<yyyy-mm>.pdf. Nothing readers
 * see changes until the staged site is published.
 */
export async function buildSite(context: RunContext, martsFile: string, options: { full?: boolean } = {}): Promise<StagedSite> {
  const { config, log } = context;
  evidencePath(config);
  const workspace = siteWorkspace(config, 'site-workspace');
  const tables = await martTables(martsFile);
  writeMartSources(workspace, tables);
  const sitesDir = join(config.dataDir, 'sites');
  const next = join(sitesDir, `site-${new Date().toISOString().replace(/[:.]/g, '-')}`);
  const built = join(workspace, 'build');
  // Old hashed files pile up in the build folder otherwise.
  rmSync(built, { recursive: true, force: true });
  const env = evidenceEnv(config, workspace, martsFile, { parameters: context.parameters, nodeEnv: 'production' });
  // Evidence keeps the other marts' files, and its manifest lists them still (`--queries` filters, it does not remove).
  const extract = await martsToExtract(workspace, martsFile, tables, siteSourcesDigest(config));
  const only = !options.full && extract.marts.length > 0 && extract.marts.length < tables.length;
  log(
    `site: extracting ${only ? `${extract.marts.length} of ${tables.length} marts (the others are unchanged since extracted)` : 'the marts'}`,
  );
  await runEvidence(config, workspace, ['sources', ...(only ? ['--queries', extract.marts.join(',')] : [])], env);
  extract.record();
  await buildPages(config, workspace, env, { full: options.full ?? false, tables, log });
  if (!existsSync(join(built, 'index.html'))) throw new Error(`site build wrote no ${join(built, 'index.html')}`);
  mkdirSync(sitesDir, { recursive: true });
  try {
    cpSync(built, next, { recursive: true });
    // Beside the pages, not through Evidence's static/: a data-only rebuild copies no new static file.
    copyReports(config, next);
  } catch (error) {
    rmSync(next, { recursive: true, force: true });
    throw error;
  }
  crashPoint('site:built');
  return { dir: next, publish: () => publishSite(config, next) };
}

/** Every file of the site's project (pages, sources, settings, the package lock, the install patches), outputs aside. */
export function siteSourcesDigest(config: WarehouseConfig): string {
  return filesDigest([join(config.projectDir, 'reports')], ['node_modules', ...evidenceOutputs]);
}

/** What Evidence runs with, in `workspace`, on `martsFile`. */
export function evidenceEnv(
  config: WarehouseConfig,
  workspace: string,
  martsFile: string,
  options: { parameters: Map<string, Parameter>; nodeEnv: 'production' | 'development' },
): NodeJS.ProcessEnv {
  return {
    // A test runner's NODE_ENV=test makes Evidence prerender its dev-only pages, and fail.
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_ENV' && !name.startsWith('VITEST'))),
    NODE_ENV: options.nodeEnv,
    // Evidence joins an absolute filename wrongly: give it relative to the source folder.
    EVIDENCE_SOURCE__marts__filename: relative(join(workspace, 'sources/marts'), martsFile),
    ...shopIdentity(config, options.parameters),
  };
}

/**
 * Bundles the pages and prerenders them (`evidence build`), or, when the site's sources and the
 * values baked into its bundles are those of the last build, only prerenders them again on the new
 * data (`evidence build:data`): the bundles are ~90% of a build's time and memory and do not depend
 * on data. If that fails, the pages are built in full.
 */
async function buildPages(
  config: WarehouseConfig,
  workspace: string,
  env: NodeJS.ProcessEnv,
  options: { full: boolean; tables: string[]; log: (line: string) => void },
) {
  // `evidence build` empties this folder first, so a stamp in it is the last build's.
  const stamp = join(workspace, '.evidence/template/.svelte-kit/output/bundled-from');
  // Vite and SvelteKit bake VITE_ and PUBLIC_ variables (the shop's name and logo among them) into the bundles.
  const baked = Object.entries(env)
    .filter(([name]) => name.startsWith('VITE_') || name.startsWith('PUBLIC_'))
    .sort(([a], [b]) => a.localeCompare(b));
  const bundledFrom = createHash('sha256')
    .update(JSON.stringify([siteSourcesDigest(config), options.tables, baked]))
    .digest('hex');
  if (!options.full && existsSync(stamp) && readFileSync(stamp, 'utf8') === bundledFrom) {
    options.log('site: prerendering the pages on the new data (pages and packages unchanged since they were bundled)');
    try {
      await runEvidence(config, workspace, ['build:data'], env);
      return;
    } catch (error) {
      options.log(`site: prerendering on the new data failed, so the pages are built in full: ${(error as Error).message.split('\n')[0]}`);
    }
  }
  options.log('site: building pages');
  await runEvidence(config, workspace, ['build'], env);
  writeFileSync(stamp, bundledFrom);
}

const imageTypes: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.svg': 'image/svg+xml' };

// The shop's name and logo for the site's header (pages/+layout.svelte reads them at build time);
// the logo goes in as a data URL, so that nothing is written into the app's folders.
function shopIdentity(config: WarehouseConfig, parameters: Map<string, Parameter>): Record<string, string> {
  const identity = { VITE_SHOP_NAME: parameters.get('shop_name')?.value ?? '' };
  const logo = parameters.get('shop_logo')?.value;
  if (!logo) return identity;
  const path = resolve(config.projectDir, logo);
  const type = imageTypes[extname(path).toLowerCase()];
  if (!type) throw new Error(`shop_logo ${logo}: not an image the site can show (${Object.keys(imageTypes).join(', ')})`);
  if (!existsSync(path)) throw new Error(`shop_logo ${logo}: no such file (${path})`);
  return { ...identity, VITE_SHOP_LOGO: `data:${type};base64,${readFileSync(path).toString('base64')}` };
}

// A symlink renamed over the old one: `data/site` is the old site or the new one at every moment.
export function publishSite(config: WarehouseConfig, dir: string): string {
  const target = siteDir(config);
  const sitesDir = dirname(dir);
  // A site folder from before sites were swapped by symlink moves aside once.
  if (lstatSync(target, { throwIfNoEntry: false })?.isDirectory()) renameSync(target, join(sitesDir, 'site-unversioned'));
  const link = `${target}.link`;
  rmSync(link, { force: true });
  symlinkSync(relative(dirname(target), dir), link);
  renameSync(link, target);
  for (const name of readdirSync(sitesDir)) {
    if (join(sitesDir, name) !== dir) rmSync(join(sitesDir, name), { recursive: true, force: true });
  }
  return target;
}

// Evidence's own path, not the workspace's link to it, runs; in the workspace.
export function runEvidence(
  config: WarehouseConfig,
  workspace: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  options: { record?: boolean } = {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawnBuildProcess(config, evidencePath(config), args, { cwd: workspace, env, ...options });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const failure = findBuildFailure(output, code ?? 1);
      if (code !== 0 || failure) {
        const tail = output.trim().split('\n').slice(-15).join('\n');
        reject(new Error(`evidence ${args.join(' ')} failed${code !== 0 ? ` (exit ${code})` : ''}: ${failure ?? ''}\n${tail}`));
      } else resolve();
    });
  });
}

/** Evidence's command, once it is known to be installed. */
export function evidencePath(config: WarehouseConfig): string {
  const reportsDir = join(config.projectDir, 'reports');
  const evidence = join(reportsDir, 'node_modules/.bin/evidence');
  if (!existsSync(evidence)) throw new Error(`Evidence is not installed in ${reportsDir}: run npm install (it installs reports/ too)`);
  return evidence;
}
