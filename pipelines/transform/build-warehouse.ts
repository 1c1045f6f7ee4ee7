import { type Kysely, sql } from 'kysely';
import { codeDigest } from '../code-digest.js';
import { crashPoint } from '../crash-point.js';
import type { Run, RunContext } from '../run/run-context.js';
import type { Database } from '../warehouse/database.js';
import { withFileAccessOff } from '../warehouse/open-warehouse.js';
import type { BuildContext } from './build-context.js';
import { BuildShadows, dropShadows } from './build-shadows.js';
import { seedFiles } from './load-seeds.js';
import { materializeModels } from './materialize-models.js';
import type { Model } from './model.js';
import { selectModels } from './order-models.js';
import { buildOnPostgres, copyFolder } from './postgres/build-on-postgres.js';
import { prepareSession } from './prepare-session.js';
import { recordCatalog, recordRun } from './record-run.js';
import { DataTestError, runDataTests } from './run-data-tests.js';

export interface BuildOptions {
  /** Selectors as in `--select`: `name`, `name+`, `+name`. Empty: every model. */
  select?: string[];
  /** Rebuild incremental models in full. */
  fullRefresh?: boolean;
}

/**
 * Seeds, parameters, then every selected model in dependency order, then their data tests; the
 * models are built beside the relations they replace and put in place in one transaction only when
 * every test passed (build-shadows.ts): a failing model or test leaves the previous build.
 */
export async function buildWarehouse(db: Kysely<Database>, run: Run, options: BuildOptions = {}): Promise<Model[]> {
  const { config, log } = run;
  return inSession(db, run, async (connection, hide) => {
    const { models, assertions, macros } = await prepareSession(connection, run);
    if (config.engine === 'postgres' && (options.select ?? []).length > 0) log('PostgreSQL builds every model, whatever --select names');
    const postgres =
      config.engine === 'postgres' ? await buildOnPostgres(connection, config, config.postgresUrl!, models, macros, log) : undefined;
    const selected = postgres ? postgres.models : selectModels(models, options.select ?? []);
    const selectedNames = new Set(selected.map((model) => model.name));
    const touched = assertions.filter((assertion) => assertion.dependsOn.some((name) => selectedNames.has(name)));
    const context: BuildContext = {
      runId: run.runId,
      code: codeDigest(),
      seedsDir: config.seedsDir,
      macros,
      models: new Set(models.map((model) => model.name)),
      incrementalModels: new Set(models.filter((model) => model.materialized === 'incremental').map((model) => model.name)),
      newestFileId: (await sql<{ id: number }>`select coalesce(max(file_id), 0) as id from ops.loaded_files`.execute(connection)).rows[0]!
        .id,
      fullRefresh: options.fullRefresh ?? false,
      rebuiltInFull: new Set(),
      deltas: new Map(),
      states: new Map(),
    };
    const shadows = new BuildShadows();
    const cleanUp = async () => {
      await postgres?.rollback();
      await dropShadows(connection);
      for (const table of context.deltas.values()) await sql.raw(`drop table if exists ${table}`).execute(connection);
    };
    let built: Awaited<ReturnType<typeof materializeModels>>;
    let tested: Awaited<ReturnType<typeof runDataTests>> = { results: [], failures: [] };
    try {
      await dropShadows(connection);
      built = await materializeModels(connection, selected, context, shadows, log);
      if (!built.failure) tested = await runDataTests(connection, selected, touched, shadows, log);
      crashPoint('build:tested');
      if (!built.failure && tested.failures.length === 0) {
        const ending = performance.now();
        await postgres?.commit();
        await connection.transaction().execute(async (trx) => {
          await recordCatalog(trx, models);
          await shadows.swap(trx);
        });
        log(`committed (${((performance.now() - ending) / 1000).toFixed(1)}s)`);
      }
    } catch (error) {
      // The error is what to report; what the clean-up cannot drop now (a database DuckDB has
      // invalidated), the next build drops.
      await cleanUp().catch(() => {});
      throw error;
    }
    await cleanUp();
    await recordRun(connection, run.runId, built.records, tested.results, hide);
    if (built.failure) throw built.failure;
    if (tested.failures.length > 0) throw new DataTestError(tested.failures);
    return selected;
  });
}

/** The data tests of every model and every assertion, on the warehouse as it stands. */
export async function testWarehouse(db: Kysely<Database>, run: Run, options: Pick<BuildOptions, 'select'> = {}): Promise<void> {
  await inSession(db, run, async (connection, hide) => {
    const { models, assertions } = await prepareSession(connection, run);
    const tested = await runDataTests(connection, selectModels(models, options.select ?? []), assertions, new BuildShadows(), run.log);
    await recordRun(connection, run.runId, [], tested.results, hide);
    if (tested.failures.length > 0) throw new DataTestError(tested.failures);
  });
}

/**
 * Runs `work` on one connection, where the project's SQL reads the warehouse only: file access is
 * off but for the seed files (withFileAccessOff). No message it leaves, logged or thrown, holds the
 * member salt, whatever a model does with it.
 */
async function inSession<T>(
  db: Kysely<Database>,
  context: RunContext,
  work: (connection: Kysely<Database>, hide: (text: string) => string) => Promise<T>,
): Promise<T> {
  const hide = (text: string) => text.replaceAll(context.memberSalt, '<member salt>');
  const seeds = seedFiles(context.config.seedsDir).map((seed) => seed.path);
  const directories = context.config.engine === 'postgres' ? [copyFolder(context.config)] : [];
  return withFileAccessOff(db, seeds, () => db.connection().execute((connection) => work(connection, hide)), directories).catch(
    (error: Error) => {
      error.message = hide(error.message);
      throw error;
    },
  );
}
