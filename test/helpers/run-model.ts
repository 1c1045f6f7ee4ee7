import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { resolveRunContext } from '../../pipelines/run/run-context.js';
import { materializeModel } from '../../pipelines/transform/materialize-model.js';
import { selectModels } from '../../pipelines/transform/order-models.js';
import { prepareSession } from '../../pipelines/transform/prepare-session.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { repoDir } from './temp-project.js';
import { tempConfig } from './temp-warehouse.js';

export type Rows = Array<Record<string, unknown>>;

/**
 * dbt's unit test as a function: builds `model` (e.g. 'marts.member_facts') from the given
 * rows of its upstream relations and returns its rows. Given rows are cast to the real column
 * types of the relation they stand in for; columns left out are NULL. Upstream models that are
 * not given are built from them (or from empty raw tables).
 */
export async function runModel(
  model: string,
  given: Record<string, Rows>,
  options: { parameters?: Record<string, string>; orderBy?: string } = {},
): Promise<Rows> {
  const config = { ...tempConfig(), projectDir: repoDir, modelsDir: join(repoDir, 'models'), seedsDir: join(repoDir, 'seeds') };
  const warehouse = await openWarehouse(config);
  try {
    return await warehouse.db.connection().execute(async (db) => {
      const { models } = await prepareSession(db, await resolveRunContext(config, { overrides: options.parameters }));
      const upstream = selectModels(models, [`+${model}`]);
      // A schema no migration makes (audiences) is made by the build.
      for (const schema of new Set(upstream.map((step) => step.schema))) await sql.raw(`create schema if not exists ${schema}`).execute(db);
      for (const step of upstream) await materializeModel(db, step);
      for (const [relation, rows] of Object.entries(given)) {
        const file = join(config.dataDir, `${relation}.json`);
        writeFileSync(file, JSON.stringify(rows));
        const columns = await sql<{ name: string }>`select column_name as name from information_schema.columns
          where table_schema || '.' || table_name = ${relation} order by ordinal_position`.execute(db);
        if (columns.rows.length === 0) throw new Error(`given relation ${relation} does not exist`);
        const unknown = Object.keys(rows[0] ?? {}).filter((key) => !columns.rows.some((column) => column.name === key));
        if (unknown.length > 0) throw new Error(`given ${relation} has no column ${unknown.join(', ')}`);
        const asText = [...new Set(rows.flatMap(Object.keys))].map((key) => `'${key}': 'VARCHAR'`).join(', ');
        await sql
          .raw(`create temp table given_rows as select * from ${relation} limit 0;
          ${upstream.some((step) => step.name === relation && step.materialized === 'view') ? 'drop view' : 'drop table'} ${relation};
          create table ${relation} as select * from given_rows;
          drop table given_rows;
          ${rows.length > 0 ? `insert into ${relation} by name select * from read_json('${file}', format = 'array', columns = {${asText}});` : ''}`)
          .execute(db);
      }
      for (const step of upstream) if (!(step.name in given)) await materializeModel(db, step);
      const result = await sql
        .raw<Record<string, unknown>>(`select * from ${model}${options.orderBy ? ` order by ${options.orderBy}` : ''}`)
        .execute(db);
      return result.rows;
    });
  } finally {
    await warehouse.close();
    rmSync(config.dataDir, { recursive: true, force: true });
  }
}
