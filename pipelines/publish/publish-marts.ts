import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Model } from '../build/model.js';
import { crashPoint } from '../crash-point.js';
import type { WarehouseConfig } from '../config.js';
import type { Database } from '../warehouse/database.js';

export function publishedMartsPath(config: WarehouseConfig): string {
  return join(config.dataDir, 'published', 'warehouse_marts.duckdb');
}

export interface StagedMarts {
  /** The new marts file, complete but not yet what readers see. */
  path: string;
  /** Renames it into place and returns the published path. */
  publish(): string;
}

/**
 * Copies the marts, and nothing else, into a new file (same name, in a folder beside the
 * published one); publishing renames it into place, so readers see the old file or the new one,
 * never half of one. The Data page's tables (freshness, runs, test results, quarantine, the
 * model catalogue) go with them.
 */
export async function stageMarts(db: Kysely<Database>, config: WarehouseConfig, options: { runId: number; models: Model[] }): Promise<StagedMarts> {
  const target = publishedMartsPath(config);
  // Same file name as the published one: Evidence names the catalog after it.
  const next = join(dirname(target), 'next', basename(target));
  rmSync(dirname(next), { recursive: true, force: true });
  mkdirSync(dirname(next), { recursive: true });
  const marts = options.models.filter((model) => model.schema === 'marts');
  await db.connection().execute(async (connection) => {
    // Evidence reads the file with an older DuckDB: write a storage format it knows.
    await sql.raw(`attach '${next}' as published (storage_version 'v1.0.0')`).execute(connection);
    try {
      await sql.raw(`create schema published.marts`).execute(connection);
      for (const model of marts) await sql.raw(`create table published.marts.${model.table} as select * from ${model.name}`).execute(connection);
      await sql.raw(`
        create table published.marts.data_freshness as
          select (select as_of_date from intermediate.int_as_of_date_resolved) as as_of_date,
                 now()::timestamp as published_at, ${options.runId} as run_id,
                 (select max(purchased_at) from staging.stg_orders) as newest_purchase_at;
        create table published.marts.data_runs as
          select run_id, command, started_at, finished_at, status, message, date_diff('millisecond', started_at, finished_at) / 1000 as seconds
          from ops.runs order by run_id desc limit 50;
        create table published.marts.data_test_results as
          select model, test, status, failing_rows from ops.test_results where run_id = ${options.runId};
        create table published.marts.data_quarantine as
          select files.path, files.table_name, files.loaded_at, files.rows_read, files.rows_loaded, files.rows_quarantined,
                 (select string_agg(reason, '; ') from (select reason, count(*) as n from ops.quarantine as q
                  where q.file_id = files.file_id group by reason order by n desc limit 3)) as top_reasons
          from ops.loaded_files as files order by files.file_id desc limit 200;`).execute(connection);
      await sql.raw(`create table published.marts.data_model_catalog as
        select catalog.*, model_runs.rows, model_runs.seconds
        from (values ${options.models.map((model) => `(${[model.name, model.schema, model.description, model.grain.join(', '), model.materialized, model.dependsOn.join(', '), model.file]
          .map((value) => `'${value.replaceAll("'", "''")}'`).join(', ')})`).join(',\n')})
          as catalog(model, layer, description, grain, materialized, upstream, file)
        left join (select model, rows, seconds from ops.model_runs where run_id = ${options.runId}) as model_runs using (model)`).execute(connection);
    } finally {
      await sql.raw('detach published').execute(connection);
    }
  });
  crashPoint('publish:staged');
  return {
    path: next,
    publish() {
      renameSync(next, target);
      rmSync(dirname(next), { recursive: true, force: true });
      return target;
    },
  };
}
