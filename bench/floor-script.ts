import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import type { WarehouseConfig } from '../pipelines/config.js';
import { readMacros } from '../pipelines/run/read-macros.js';
import { readParameters, requiredParameter } from '../pipelines/run/read-parameters.js';
import { parameterStatements } from '../pipelines/run/set-parameters.js';
import { discoverModels, modelSchemas } from '../pipelines/transform/discover-models.js';
import { loadSeeds, seedStatements } from '../pipelines/transform/load-seeds.js';
import { orderModels, selectModels } from '../pipelines/transform/order-models.js';
import type { Database } from '../pipelines/warehouse/database.js';
import { DuckDBDialect } from '../pipelines/warehouse/dialect/duckdb-dialect.js';
import { literal } from '../pipelines/warehouse/sql-text.js';
import { inputFiles } from './input-files.js';

const rawTables = readFileSync(new URL('../pipelines/load/raw-tables.sql', import.meta.url), 'utf8');

/**
 * The floor a framework is measured against: one SQL script that a person would run by hand to
 * get the same marts from the same canonical CSV files. The raw files are read straight into
 * typed tables (no quarantine, no hashing, no run log), the seeds and parameters are set, and
 * every model's own query is materialized in dependency order (incremental models in full), with
 * no data tests and no publishing; the computed models (the forecasts: TypeScript, not SQL) and
 * the models that read them are left out. With `marts`, only those marts and what they read.
 */
export async function floorScript(config: WarehouseConfig, inputDir: string, memberSalt: string, marts: string[] = []): Promise<string> {
  const instance = await DuckDBInstance.create(':memory:');
  const db = new Kysely<Database>({ dialect: new DuckDBDialect({ instance }) });
  try {
    await sql`create schema seeds`.execute(db);
    await loadSeeds(db, config.seedsDir);
    const parameterValues = await readParameters(config.seedsDir);
    const parameters = parameterStatements(parameterValues);
    const macros = readMacros(config.modelsDir);
    // The Data page's views over the run log are no metrics: the floor has no run log. Computed
    // models (the forecasts) are TypeScript, not SQL. They and whatever reads them are left out;
    // models come in dependency order, so one pass finds them all.
    const all = orderModels(await discoverModels(db, config.modelsDir, config.projectDir, macros));
    const leftOut = new Set<string>();
    const models = selectModels(
      all,
      marts.map((name) => `+${name}`),
    ).filter((model) => {
      const out = model.compute !== undefined || model.dependsOn.some((relation) => relation.startsWith('ops.') || leftOut.has(relation));
      if (out) leftOut.add(model.name);
      return !out;
    });
    const read = new Set(models.flatMap((model) => model.dependsOn));
    const loads = inputFiles(inputDir)
      .filter(({ table }) => read.has(`raw.${table}`))
      // Files are numbered in load order: a later file's row of an order is a status update.
      .map(
        ({ path, table }, index) => `insert into raw.${table} by name
  select *, ${index + 1} as _file_id, row_number() over () as _line from read_csv(${literal(path)}, header = true);`,
      );
    return [
      '-- The floor: the same marts from the same files, by one script run by DuckDB directly.',
      ['raw', 'seeds', ...modelSchemas].map((schema) => `create schema ${schema};`).join(' '),
      // Times written with an offset are instants; raw tables hold shop time, as the loader stores them.
      `set TimeZone = ${literal(requiredParameter(parameterValues, 'shop_time_zone'))};`,
      rawTables,
      ...loads,
      ...seedStatements(config.seedsDir).map(({ statement }) => `${statement};`),
      ...parameters.map(({ statement }) => `${statement};`),
      `set variable member_salt = ${literal(memberSalt)};`,
      macros.sql,
      ...models.map(
        (model) => `create ${model.materialized === 'view' ? 'view' : 'table'} ${model.name} as\n${model.sql.trim().replace(/;$/, '')};`,
      ),
    ].join('\n\n');
  } finally {
    await db.destroy();
    instance.closeSync();
  }
}
