import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Insertable, type Kysely, sql } from 'kysely';
import { codeDigest } from '../code-digest.js';
import type { WarehouseConfig } from '../config.js';
import { crashPoint } from '../crash-point.js';
import { shopToday } from '../shop-today.js';
import type { Database } from '../warehouse/database.js';
import { withFileAccessOff } from '../warehouse/open-warehouse.js';
import type { BuildContext, BuildMode } from './build-context.js';
import { BuildShadows, dropShadows } from './build-shadows.js';
import { compileTest, grainTests } from './compile-test.js';
import { discoverAssertions, discoverModels } from './discover-models.js';
import { loadSeeds, seedFiles, setParameters } from './load-seeds.js';
import { materializeIfChanged } from './materialize-if-changed.js';
import { materializeIncremental } from './materialize-incremental.js';
import { type Assertion, type Model, ModelError, type ModelTest, pointedMessage } from './model.js';
import { orderModels, selectModels } from './order-models.js';
import { readMacros } from './read-macros.js';
import { readParameters, requiredParameter } from './read-parameters.js';
import { replaceRelations } from './replace-relations.js';

export interface BuildOptions {
  runId: number;
  /** Selectors as in `--select`: `name`, `name+`, `+name`. Empty: every model. */
  select?: string[];
  /** Rebuild incremental models in full. */
  fullRefresh?: boolean;
  /** Parameter values that replace those of seeds/parameters.csv for this build. */
  parameters?: Record<string, string>;
  log?: (line: string) => void;
}

export interface TestOutcome {
  model: string;
  file: string;
  test: string;
  failingRows: number;
  sample: Record<string, unknown>[];
}

export class DataTestError extends Error {
  constructor(readonly failures: TestOutcome[]) {
    super(
      `${failures.length} data test${failures.length === 1 ? '' : 's'} failed, so the build was rolled back:\n${failures.map(describeFailure).join('\n')}`,
    );
    this.name = 'DataTestError';
  }
}

/**
 * Seeds, parameters, then every selected model in dependency order, then their data tests; the
 * models are built beside the relations they replace and put in place in one transaction only when
 * every test passed (build-shadows.ts): a failing model or test leaves the previous build.
 */
export async function buildWarehouse(db: Kysely<Database>, config: WarehouseConfig, options: BuildOptions): Promise<Model[]> {
  const log = options.log ?? (() => {});
  return inSession(db, config, async (connection, hide) => {
    const { models, assertions, macros } = await prepareSession(connection, config, options.parameters);
    const selected = selectModels(models, options.select ?? []);
    const selectedNames = new Set(selected.map((model) => model.name));
    const touched = assertions.filter((assertion) => assertion.dependsOn.some((name) => selectedNames.has(name)));
    const context: BuildContext = {
      runId: options.runId,
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
    await recordRun(connection, options.runId, built.records, tested.results, hide);
    if (built.failure) throw built.failure;
    if (tested.failures.length > 0) throw new DataTestError(tested.failures);
    return selected;
  });
}

/** The data tests of every model and every assertion, on the warehouse as it stands. */
export async function testWarehouse(db: Kysely<Database>, config: WarehouseConfig, options: BuildOptions): Promise<void> {
  const log = options.log ?? (() => {});
  await inSession(db, config, async (connection, hide) => {
    const { models, assertions } = await prepareSession(connection, config, options.parameters);
    const tested = await runDataTests(connection, selectModels(models, options.select ?? []), assertions, new BuildShadows(), log);
    await recordRun(connection, options.runId, [], tested.results, hide);
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
  config: WarehouseConfig,
  work: (connection: Kysely<Database>, hide: (text: string) => string) => Promise<T>,
): Promise<T> {
  const salt = memberSalt(config);
  const hide = (text: string) => text.replaceAll(salt, '<member salt>');
  const seeds = seedFiles(config.seedsDir).map((seed) => seed.path);
  return withFileAccessOff(db, seeds, () => db.connection().execute((connection) => work(connection, hide))).catch((error: Error) => {
    error.message = hide(error.message);
    throw error;
  });
}

/** Loads seeds and sets parameters on one connection (DuckDB variables belong to a connection). */
export async function prepareSession(db: Kysely<Database>, config: WarehouseConfig, parameters: Record<string, string> = {}) {
  await loadSeeds(db, config.seedsDir);
  const macros = await prepareQueries(db, config, parameters);
  const models = orderModels(await discoverModels(db, config.modelsDir, config.projectDir, macros));
  const assertions = await discoverAssertions(db, config.assertionsDir, config.projectDir);
  return { models, assertions, macros };
}

/**
 * What a model's query needs on a connection: the parameters as variables, the member salt, today
 * in the shop's time zone (shop_today: models never read the clock), the macros.
 */
export async function prepareQueries(db: Kysely<Database>, config: WarehouseConfig, parameters: Record<string, string> = {}) {
  const read = await readParameters(config.seedsDir, parameters);
  await setParameters(db, read);
  await sql`set variable member_salt = ${memberSalt(config)}`.execute(db);
  await sql`set variable shop_today = ${shopToday(requiredParameter(read, 'shop_time_zone'))}::date`.execute(db);
  const macros = readMacros(config.modelsDir);
  await sql.raw(macros.sql).execute(db);
  return macros;
}

// Member keys must stay stable across runs, so a generated salt is kept beside the warehouse,
// readable by its owner only (a file others could read is narrowed).
export function memberSalt(config: WarehouseConfig): string {
  if (config.memberSalt) return config.memberSalt;
  const path = join(config.dataDir, 'member_salt');
  if (!existsSync(path)) writeFileSync(path, randomBytes(24).toString('hex'), { mode: 0o600 });
  else if ((statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600);
  return readFileSync(path, 'utf8').trim();
}

// The catalogue of every model as the build sees it, for the Data page (marts.data_model_catalog).
async function recordCatalog(db: Kysely<Database>, models: Model[]): Promise<void> {
  await db.deleteFrom('ops.models').execute();
  await db
    .insertInto('ops.models')
    .values(
      models.map((model) => ({
        model: model.name,
        layer: model.schema,
        description: model.description,
        grain: model.grain.join(', '),
        materialized: materializedText(model),
        upstream: model.dependsOn.join(', '),
        tests: [...grainTests(model), ...model.tests].map((test) => test.text).join('; '),
        file: model.file,
      })),
    )
    .execute();
}

interface ModelRecord {
  model: Model;
  status: 'succeeded' | 'failed' | 'skipped';
  mode?: BuildMode;
  changedKeys?: number | null;
  rows: number | null;
  seconds: number | null;
  message: string | null;
}

// Stops at the first failing model; the ones after it are recorded as skipped.
async function materializeModels(
  db: Kysely<Database>,
  models: Model[],
  context: BuildContext,
  shadows: BuildShadows,
  log: (line: string) => void,
) {
  const records: ModelRecord[] = [];
  let failure: ModelError | undefined;
  for (const [index, model] of models.entries()) {
    if (failure) {
      records.push({ model, status: 'skipped', rows: null, seconds: null, message: `not built: ${failure.file} failed` });
      continue;
    }
    const started = performance.now();
    try {
      const { mode, changedKeys, note } =
        model.materialized === 'incremental'
          ? await materializeIncremental(db, model, context, shadows)
          : await materializeIfChanged(db, model, context, shadows);
      const rows = model.materialized === 'view' ? null : await countRows(db, shadows.readOf(model.name));
      const seconds = (performance.now() - started) / 1000;
      records.push({ model, status: 'succeeded', mode, changedKeys, rows, seconds, message: note });
      const how =
        model.materialized === 'incremental'
          ? mode === 'full'
            ? 'incremental, in full'
            : `${mode}, ${changedKeys!.toLocaleString('en-US')} ${model.incrementalKey} values`
          : `${materializedText(model)}${mode === 'unchanged' ? ', unchanged' : ''}`;
      log(
        `[${index + 1}/${models.length}] ${model.name.padEnd(40)} ${how.padEnd(5)} ${seconds.toFixed(2).padStart(7)}s${rows === null ? '' : `  ${rows.toLocaleString('en-US')} rows`}`,
      );
      if (note !== null) log(`    ${note}`);
      crashPoint('build:model');
    } catch (error) {
      failure = error instanceof ModelError ? error : new ModelError(model.file, (error as Error).message);
      records.push({ model, status: 'failed', rows: null, seconds: (performance.now() - started) / 1000, message: failure.message });
    }
  }
  return { records, failure };
}

// Written after the transaction ends, so that a rolled-back build still leaves its log.
async function recordRun(
  db: Kysely<Database>,
  runId: number,
  records: ModelRecord[],
  results: TestResult[],
  hide: (text: string) => string,
) {
  if (records.length > 0) {
    await db
      .insertInto('ops.model_runs')
      .values(
        records.map((record) => ({
          run_id: runId,
          model: record.model.name,
          materialized: materializedText(record.model),
          status: record.status,
          mode: record.mode ?? null,
          changed_keys: record.changedKeys ?? null,
          rows: record.rows,
          seconds: record.seconds,
          message: record.message && hide(record.message),
          finished_at: new Date(),
        })),
      )
      .execute();
  }
  if (results.length > 0)
    await db
      .insertInto('ops.test_results')
      .values(
        results.map((result) => ({
          ...result,
          message: result.message && hide(result.message),
          sample_rows: result.sample_rows && hide(result.sample_rows),
          run_id: runId,
        })),
      )
      .execute();
}

// How the run log and the catalogue name a model's materialization: a computed model is a table
// made by its computation.
function materializedText(model: Model): string {
  return model.compute ? `table computed by ${model.compute}` : model.materialized;
}

async function countRows(db: Kysely<Database>, relation: string): Promise<number> {
  const { rows } = await sql.raw<{ n: number }>(`select count(*) as n from ${relation}`).execute(db);
  return rows[0]?.n ?? 0;
}

type TestResult = Omit<Insertable<Database['ops.test_results']>, 'run_id'>;

// On this build's new relations (`shadows.reads`), where there are any.
async function runDataTests(
  db: Kysely<Database>,
  models: Model[],
  assertions: Assertion[],
  shadows: BuildShadows,
  log: (line: string) => void,
) {
  const finite = new Map<string, ModelTest[]>();
  for (const model of models) finite.set(model.name, await finiteTests(db, model, shadows.readOf(model.name)));
  let scoped = 0;
  const checks = [
    ...models.flatMap((model) =>
      [...grainTests(model), ...model.tests, ...(finite.get(model.name) ?? [])].map((test) => {
        const changed = shadows.changedRows.get(model.name);
        const narrow = changed !== undefined && holdsRowByRow(model, test, shadows.kept.has(model.name));
        if (narrow) scoped++;
        return {
          model: model.name,
          file: model.file,
          test: test.text,
          fromFile: false,
          query: replaceRelations(compileTest(model, test), narrow ? new Map([...shadows.reads, [model.name, changed]]) : shadows.reads),
        };
      }),
    ),
    ...(await Promise.all(
      assertions.map(async (assertion) => ({
        model: `assertion.${assertion.name}`,
        file: assertion.file,
        test: assertion.description || assertion.name,
        // The assertion's own SQL, from the statement's first line: DuckDB's lines are the file's.
        fromFile: true,
        query: await shadows.reading(db, assertion.file, assertion.sql),
      })),
    )),
  ];
  const failures: TestOutcome[] = [];
  const results: TestResult[] = [];
  const started = performance.now();
  for (const check of checks) {
    let outcome: TestOutcome;
    try {
      const counted = await sql.raw<{ n: number }>(`select count(*) as n from (${check.query})`).execute(db);
      const failingRows = counted.rows[0]?.n ?? 0;
      const sample =
        failingRows > 0 ? (await sql.raw<Record<string, unknown>>(`select * from (${check.query}) limit 5`).execute(db)).rows : [];
      outcome = { model: check.model, file: check.file, test: check.test, failingRows, sample };
    } catch (error) {
      const { problem, statementLine } = pointedMessage((error as Error).message);
      throw new ModelError(check.file, `test '${check.test}' cannot run: ${problem}`, check.fromFile ? statementLine : undefined);
    }
    if (outcome.failingRows > 0) failures.push(outcome);
    results.push({
      model: check.model,
      test: check.test,
      status: outcome.failingRows > 0 ? 'fail' : 'pass',
      failing_rows: outcome.failingRows,
      message: outcome.failingRows > 0 ? describeFailure(outcome) : null,
      sample_rows: outcome.failingRows > 0 ? toJson(outcome.sample) : null,
      finished_at: new Date(),
    });
  }
  log(
    `${checks.length - failures.length} of ${checks.length} data tests passed (${((performance.now() - started) / 1000).toFixed(1)}s${scoped > 0 ? `; ${scoped} on the rows this build changed only` : ''})`,
  );
  return { results, failures };
}

// Whether the test can read only the rows this build changed: it judges each row by itself (or,
// for uniqueness, each key's rows together, or a model kept whole), and reads nothing else that
// could have changed without rebuilding the model in full (a seed could not).
function holdsRowByRow(model: Model, test: ModelTest, kept: boolean): boolean {
  switch (test.name) {
    case 'unique':
      return kept || (model.incrementalKey !== undefined && test.args.includes(model.incrementalKey));
    case 'relationships':
      return test.args[1]?.startsWith('seeds.') ?? false;
    default:
      return true;
  }
}

/** Every DOUBLE column of a mart must hold a number or NULL, never NaN or ±infinity. */
async function finiteTests(db: Kysely<Database>, model: Model, relation: string): Promise<ModelTest[]> {
  if (model.schema !== 'marts') return [];
  const [schema = '', table = ''] = relation.split('.');
  const { rows } = await sql<{ name: string }>`select column_name as name from information_schema.columns
    where table_schema = ${schema} and table_name = ${table} and data_type in ('DOUBLE', 'FLOAT') order by ordinal_position`.execute(db);
  if (rows.length === 0) return [];
  const columns = rows.map((row) => row.name);
  return [{ text: `finite(${columns.join(', ')})`, name: 'finite', args: columns }];
}

function describeFailure(failure: TestOutcome): string {
  const sample = failure.sample.map((row) => `    ${toJson(row)}`).join('\n');
  return `  ${failure.file}: ${failure.test}: ${failure.failingRows} failing row${failure.failingRows === 1 ? '' : 's'}, e.g.\n${sample}`;
}

function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, item) => (typeof item === 'bigint' ? item.toString() : item));
}
