import type { Kysely } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { grainTests } from './compile-test.js';
import { type ModelRecord, materializedText } from './materialize-models.js';
import type { Model } from './model.js';
import type { TestResult } from './run-data-tests.js';

// The catalogue of every model as the build sees it, for the Data page (marts.data_model_catalog).
export async function recordCatalog(db: Kysely<Database>, models: Model[]): Promise<void> {
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

// Written after the transaction ends, so that a rolled-back build still leaves its log.
export async function recordRun(
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
