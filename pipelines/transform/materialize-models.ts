import { type Kysely, sql } from 'kysely';
import { crashPoint } from '../crash-point.js';
import type { Database } from '../warehouse/database.js';
import type { BuildContext, BuildMode } from './build-context.js';
import type { BuildShadows } from './build-shadows.js';
import { materializeIfChanged } from './materialize-if-changed.js';
import { materializeIncremental } from './materialize-incremental.js';
import { type Model, ModelError } from './model.js';

export interface ModelRecord {
  model: Model;
  status: 'succeeded' | 'failed' | 'skipped';
  mode?: BuildMode;
  changedKeys?: number | null;
  rows: number | null;
  seconds: number | null;
  message: string | null;
}

// Stops at the first failing model; the ones after it are recorded as skipped.
export async function materializeModels(
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
      const elsewhere = model.builtOnPostgres;
      records.push({
        model,
        status: 'succeeded',
        mode,
        changedKeys,
        rows,
        seconds: seconds + (elsewhere?.seconds ?? 0),
        message: note ?? elsewhere?.note ?? null,
      });
      const how =
        model.materialized === 'incremental'
          ? mode === 'full'
            ? 'incremental, in full'
            : `${mode}, ${changedKeys!.toLocaleString('en-US')} ${model.incrementalKey} values`
          : `${model.builtOnPostgres ? 'copied from PostgreSQL' : materializedText(model)}${mode === 'unchanged' ? ', unchanged' : ''}`;
      logModelBuilt(log, { position: `${index + 1}/${models.length}`, name: model.name, how, seconds, rows, note });
      crashPoint('build:model');
    } catch (error) {
      failure = error instanceof ModelError ? error : new ModelError(model.file, (error as Error).message);
      records.push({ model, status: 'failed', rows: null, seconds: (performance.now() - started) / 1000, message: failure.message });
    }
  }
  return { records, failure };
}

/** A model's line in the build's output, `[position] name  how  seconds  rows`, then its note if it has one. */
export function logModelBuilt(
  log: (line: string) => void,
  {
    position,
    name,
    how,
    seconds,
    rows,
    note,
  }: { position: string; name: string; how: string; seconds: number; rows: number | null; note: string | null },
): void {
  log(
    `[${position}] ${name.padEnd(40)} ${how.padEnd(5)} ${seconds.toFixed(2).padStart(7)}s${rows === null ? '' : `  ${rows.toLocaleString('en-US')} rows`}`,
  );
  if (note !== null) log(`    ${note}`);
}

// How the run log and the catalogue name a model's materialization: a computed model is a table
// made by its computation.
export function materializedText(model: Model): string {
  return model.compute ? `table computed by ${model.compute}` : model.materialized;
}

async function countRows(db: Kysely<Database>, relation: string): Promise<number> {
  const { rows } = await sql.raw<{ n: number }>(`select count(*) as n from ${relation}`).execute(db);
  return rows[0]?.n ?? 0;
}
