import { existsSync, mkdirSync } from 'node:fs';
import { runAudienceRules } from '../audience/run-audience-rules.js';
import type { WarehouseConfig } from '../config.js';
import { type LoadInput, loadFiles, UnloadableFilesError } from '../load/load-files.js';
import { endLeftoverBuild } from '../publish/build-process-group.js';
import { buildSite, siteDir } from '../publish/build-site.js';
import { writeMonthlyReport } from '../publish/monthly-report.js';
import { guardPublish } from '../publish/publish-guard.js';
import { publishedMartsPath, stageMarts } from '../publish/publish-marts.js';
import { publishedFingerprint, recordPublished, unchangedSince } from '../publish/published-fingerprint.js';
import type { RunContext } from '../run/run-context.js';
import { afterPublishing, finishRun, withRun } from '../run/run-log.js';
import { buildWarehouse } from '../transform/build-warehouse.js';
import type { Warehouse } from '../warehouse/open-warehouse.js';
import { checkFreshness } from './check-freshness.js';
import { describeAlerts } from './describe-alerts.js';

export interface RefreshOptions {
  /** Files or folders to load; default: the inbox, whose files are moved to the archive once loaded. */
  inputs?: LoadInput[];
  /** Build the report site after publishing (default: no; the CLI's default is yes). */
  site?: boolean;
  /** Rebuild incremental models in full, and bundle the site's pages again even if they did not change. */
  fullRefresh?: boolean;
  /** The run's command in ops.runs (default: refresh). */
  command?: string;
  /** Export the automation rules' audiences after publishing (default: no; the nightly job asks with --audiences). */
  audiences?: boolean;
  /** Publish even when figures moved beyond seeds/publish_guards.csv: a deliberate restatement. */
  acceptChanges?: boolean;
}

/**
 * Load new input files, build every model, run the data tests, check freshness, publish the marts
 * and (with `site`) the report site, as one logged run. Nothing is published unless every step
 * before passed; a failed build or test leaves the previous build in the warehouse. A build whose
 * closed months or headline figures moved beyond seeds/publish_guards.csv is held (PublishHeld):
 * the warehouse keeps it, the published marts and site stand, until `acceptChanges`. When nothing
 * the published output is computed from has changed, it stands and only freshness is checked.
 * Once published, a month the marts close gets its printable report (publish/monthly-report.ts).
 */
export async function refresh(warehouse: Warehouse, context: RunContext, options: RefreshOptions = {}): Promise<void> {
  const { db } = warehouse;
  const { config, log } = context;
  const inputs = options.inputs ?? [inboxOf(config)];
  await withRun(warehouse, options.command ?? 'refresh', async (runId) => {
    const run = { ...context, runId };
    // A site build a killed refresh left would go on writing the site's build folder.
    const ended = await endLeftoverBuild(config);
    if (ended) log(ended);
    const names = inputs.map((input) => (typeof input === 'string' ? input : input.path));
    log(`loading ${names.length > 3 ? `${names.length} files` : names.join(', ')}`);
    let started = performance.now();
    const refused = await loadFiles(db, inputs, {
      runId,
      seedsDir: config.seedsDir,
      parameters: run.parameters,
      log,
      archive: { dir: config.archiveDir, moveFrom: config.inboxDir },
    }).then(
      () => undefined,
      (error: unknown) => refusedInbox(error, options.inputs === undefined),
    );
    const fingerprint = await publishedFingerprint(db, run);
    const standing = options.fullRefresh ? undefined : await unchangedSince(db, config, fingerprint, options.site ?? false);
    if (standing !== undefined) {
      log(
        `nothing new since run ${standing} (same files, models, seeds, parameters and code): its published marts${options.site ? ' and site' : ''} stand; --full-refresh rebuilds them`,
      );
      await checkFreshness(db, run);
      // A report a refresh could not write (no Chromium then) is written once it can be.
      await writeReport(run, log);
      // A rule already exported for the as-of date is not exported again: asking twice is safe.
      if (options.audiences) await runAudienceRules(warehouse, run);
      if (refused) throw new RefusedFilesError(refused);
      return;
    }
    log(`loaded (${seconds(started)}s); building models`);
    const models = await buildWarehouse(db, run, { fullRefresh: options.fullRefresh });
    // A project of its own models (a test's) may have no alerts.
    if (models.some((model) => model.name === 'marts.kpi_alerts'))
      for (const alert of await describeAlerts(db, 'marts.kpi_alerts')) log(`alerts: ${alert}`);
    await checkFreshness(db, run);
    await guardPublish(db, config, { runId, definitions: fingerprint.definitions, accept: options.acceptChanges, log });
    // What is published next shows this run as publishing, with its time so far; a later failure
    // publishes nothing and marks it failed, a kill leaves it to be marked interrupted.
    await finishRun(db, runId, 'publishing');
    started = performance.now();
    const marts = await stageMarts(db, run, { models, fresh: options.fullRefresh });
    log(
      `marts staged for publishing: ${marts.replaced} of ${marts.total} replaced, ${marts.total - marts.replaced} unchanged (${seconds(started)}s)`,
    );
    // The site is built from the staged marts, so that a failed site build publishes nothing.
    const site = options.site ? await buildSite(run, marts.path, { full: options.fullRefresh }) : undefined;
    const published: string[] = [];
    try {
      published.push(marts.publish());
      log(`published ${published[0]}`);
      if (site) {
        published.push(site.publish());
        log(`site: ${published[1]}`);
      }
      await recordPublished(db, runId, fingerprint, site !== undefined);
      await writeReport(run, log);
    } catch (error) {
      throw afterPublishing(error, published);
    }
    // Published: a rule that fails is reported and logged, and unpublishes nothing.
    if (options.audiences) await runAudienceRules(warehouse, run);
    if (refused) throw new RefusedFilesError(refused);
  });
}

/**
 * Inbox files that could not be loaded at all (mis-encoded, not a table, a workbook): the others
 * are published, and these stay in the inbox, named, until they are fixed or removed. The run
 * succeeds with exit status 2, so that a scheduler still tells someone. Files named by a rebuild or
 * the main job are all or nothing.
 */
export class RefusedFilesError extends Error {
  readonly exitCode = 2;
  readonly runStatus = 'succeeded';
  constructor({ failures, total }: UnloadableFilesError) {
    super(
      `published without ${failures.length} of ${total} files, which could not be loaded and stay in the inbox:\n${failures.map((failure) => `  ${failure.message.replaceAll('\n', '\n  ')}`).join('\n')}`,
    );
    this.name = 'RefusedFilesError';
  }
}

function refusedInbox(error: unknown, fromInbox: boolean): UnloadableFilesError {
  if (fromInbox && error instanceof UnloadableFilesError) return error;
  throw error;
}

// The monthly report of a month the published marts close, from them, so that it shows what the site shows.
async function writeReport({ config, macros }: RunContext, log: (line: string) => void): Promise<void> {
  const line = await writeMonthlyReport(config, macros, publishedMartsPath(config), { site: siteDir(config) });
  if (line) log(line);
}

function seconds(since: number): string {
  return ((performance.now() - since) / 1000).toFixed(1);
}

function inboxOf(config: WarehouseConfig): string {
  if (!existsSync(config.inboxDir)) mkdirSync(config.inboxDir, { recursive: true });
  return config.inboxDir;
}
