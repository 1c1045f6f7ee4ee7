import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { materializeModel } from './materialize-model.js';
import { type Model, ModelError } from './model.js';
import { type Macros, macrosCalled } from './read-macros.js';

export type BuildMode = 'full' | 'incremental' | 'unchanged';

/** What the incremental models of one build share. */
export interface IncrementalContext {
  seedsDir: string;
  /** The session macros: a model calling them depends on their text and the variables they read. */
  macros: Macros;
  /** Rebuild every incremental model in full (`build --full-refresh`). */
  fullRefresh: boolean;
  /** Every incremental model of the project. */
  incrementalModels: Set<string>;
  /** Newest file id in ops.loaded_files: the watermark recorded with every incremental model. */
  newestFileId: number;
  /** Incremental models rebuilt in full in this build: their incremental dependents must be too. */
  rebuiltInFull: Set<string>;
  /** Incremental models updated in this build → temp table of their rows before and after. */
  deltas: Map<string, string>;
}

/**
 * Builds an incremental model: in full when it is new, when what it computes changed (its SQL,
 * the parameters and seeds it reads, an upstream model rebuilt in full), and otherwise only for the
 * key values whose upstream rows changed since its last build: new raw rows (by file id), or the
 * rows an upstream incremental model changed in this build. Its state is written in the build's
 * transaction, so a rolled-back build leaves the previous state.
 */
export async function materializeIncremental(
  db: Kysely<Database>,
  model: Model,
  context: IncrementalContext,
): Promise<{ mode: BuildMode; changedKeys: number | null }> {
  const key = model.incrementalKey!;
  const upstream = await classifyUpstream(db, model, context);
  const fingerprint = await fingerprintOf(db, model, context);
  const {
    rows: [state],
  } = await sql<{ fingerprint: string; watermark: number }>`
    select fingerprint, watermark from ops.model_state where model = ${model.name}`.execute(db);
  const exists =
    (
      await sql<{ n: number }>`select count(*) as n from information_schema.tables
    where table_schema = ${model.schema} and table_name = ${model.table} and table_type = 'BASE TABLE'`.execute(db)
    ).rows[0]!.n > 0;
  const full =
    context.fullRefresh ||
    !exists ||
    !state ||
    state.fingerprint !== fingerprint ||
    upstream.models.some((name) => context.rebuiltInFull.has(name));
  const delta = `_delta_${model.schema}_${model.table}`;
  let mode: BuildMode;
  let changedKeys: number | null = null;
  if (full) {
    await materializeModel(db, model);
    context.rebuiltInFull.add(model.name);
    mode = 'full';
  } else {
    const changed = [
      ...upstream.raw.map((relation) => `select ${key} from ${relation} where _file_id > ${state.watermark}`),
      ...upstream.models.flatMap((name) => (context.deltas.has(name) ? [`select ${key} from ${context.deltas.get(name)}`] : [])),
    ];
    await sql
      .raw(`create or replace temp table _changed_keys as
      select distinct ${key} from (${changed.length > 0 ? changed.join('\nunion all\n') : `select ${key} from ${model.name} where false`})`)
      .execute(db);
    changedKeys = (await sql<{ n: number }>`select count(*) as n from _changed_keys`.execute(db)).rows[0]!.n;
    const inChanged = `${key} in (select ${key} from _changed_keys)`;
    await sql.raw(`create or replace temp table ${delta} as select * from ${model.name} where ${inChanged}`).execute(db);
    if (changedKeys > 0) {
      const narrowed = await narrowUpstream(db, model, [...upstream.raw, ...upstream.models], inChanged);
      await sql
        .raw(`delete from ${model.name} where ${inChanged};
        insert into ${model.name} select * from (\n${narrowed.sql}\n) as rebuilt where ${inChanged};
        insert into ${delta} select * from ${model.name} where ${inChanged};`)
        .execute(db);
      for (const view of narrowed.views) await sql.raw(`drop view ${view}`).execute(db);
      context.deltas.set(model.name, delta);
    }
    await sql`drop table _changed_keys`.execute(db);
    mode = changedKeys > 0 ? 'incremental' : 'unchanged';
  }
  await sql`insert or replace into ops.model_state values (${model.name}, ${fingerprint}, ${context.newestFileId}, now()::timestamp)`.execute(
    db,
  );
  return { mode, changedKeys };
}

// The model's query reading only the changed keys' rows of its upstream relations, each through a
// temp view: the filter after the query stays, but DuckDB cannot push it below the query's windows
// and groupings, so without this every key would be computed and all but the changed dropped. A
// key's rows depend only on that key's upstream rows (what incremental_key promises).
async function narrowUpstream(db: Kysely<Database>, model: Model, relations: string[], inChanged: string) {
  let narrowed = model.sql;
  const views: string[] = [];
  for (const relation of relations) {
    const view = `_changed_${relation.replace('.', '_')}`;
    await sql.raw(`create or replace temp view ${view} as select * from ${relation} where ${inChanged}`).execute(db);
    narrowed = narrowed.replaceAll(new RegExp(`(?<![\\w.])${relation.replace('.', '\\.')}(?!\\w)`, 'g'), view);
    views.push(view);
  }
  return { sql: narrowed, views };
}

// Only raw tables, seeds and incremental models have a known change set.
async function classifyUpstream(db: Kysely<Database>, model: Model, context: IncrementalContext) {
  const raw: string[] = [];
  const models: string[] = [];
  for (const relation of model.dependsOn) {
    const [schema = '', table = ''] = relation.split('.');
    if (schema === 'seeds') continue;
    if (schema === 'raw') raw.push(relation);
    else if (context.incrementalModels.has(relation)) models.push(relation);
    else
      throw new ModelError(
        model.file,
        `an incremental model reads only raw tables, seeds and incremental models; ${relation} is none of these`,
      );
    const { rows } = await sql<{ n: number }>`select count(*) as n from information_schema.columns
      where table_schema = ${schema} and table_name = ${table} and column_name = ${model.incrementalKey!}`.execute(db);
    if (rows[0]!.n === 0)
      throw new ModelError(
        model.file,
        `incremental_key ${model.incrementalKey} is not a column of ${relation}, so its changes cannot be traced`,
      );
  }
  return { raw, models };
}

// What the model's rows depend on besides upstream rows: its SQL, the variables it reads
// (directly or through the session macros), and the content of the seeds it reads.
async function fingerprintOf(db: Kysely<Database>, model: Model, context: IncrementalContext): Promise<string> {
  const macros = macrosCalled(model.sql, context.macros).length > 0 ? context.macros.sql : '';
  const variables = new Set([...`${model.sql}\n${macros}`.matchAll(/getvariable\('([a-z_]+)'\)/g)].map(([, name]) => name!));
  const values: string[] = [];
  for (const name of [...variables].sort()) {
    const { rows } = await sql.raw<{ value: string | null }>(`select getvariable('${name}')::varchar as value`).execute(db);
    values.push(`${name}=${rows[0]?.value ?? ''}`);
  }
  const seeds = model.dependsOn
    .filter((relation) => relation.startsWith('seeds.'))
    .sort()
    .map((relation) => readFileSync(join(context.seedsDir, `${relation.slice('seeds.'.length)}.csv`), 'utf8'));
  return createHash('sha256')
    .update(JSON.stringify([model.sql, model.incrementalKey, macros, values, seeds]))
    .digest('hex');
}
