import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { relationColumns } from '../warehouse/relation-columns.js';
import { relationKind } from '../warehouse/relation-kind.js';
import type { BuildContext, BuildMode } from './build-context.js';
import type { BuildShadows } from './build-shadows.js';
import { type AsOfCut, type Model, ModelError, modelQueryError } from './model.js';
import { contentAfterChange, contentDigest, contentOf, fingerprintOf } from './model-fingerprint.js';
import { replaceRelations } from './replace-relations.js';

/**
 * Builds an incremental model: in full when it is new, when what it computes changed (its SQL,
 * the parameters and seeds it reads, the models it reads whole, an upstream model rebuilt in full),
 * and otherwise only for the key values whose upstream rows changed since its last build: new raw
 * rows (by file id), or the rows an upstream incremental model changed in this build. Either way into the build's new
 * relations (build-shadows.ts): the rebuilt keys' rows beside the table, which the swap merges in,
 * with the model's state; until then the table is the previous build's.
 */
export async function materializeIncremental(
  db: Kysely<Database>,
  model: Model,
  context: BuildContext,
  shadows: BuildShadows,
): Promise<{ mode: BuildMode; changedKeys: number | null; note: null }> {
  const upstream = await classifyUpstream(db, model, context, shadows);
  const cut = model.asOfCut;
  // The as-of date is not part of what it computes: a new one changes the keys it cuts (below).
  const whole = upstream.whole.filter((relation) => relation !== cut?.asOfRelation);
  const fingerprint = await fingerprintOf(db, model, context, await contentOf(db, whole, shadows));
  if (cut && ![...upstream.raw, ...upstream.models].includes(cut.relation))
    throw new ModelError(model.file, `as_of_cut: ${cut.relation} is not read by key, so the keys its dates move cannot be traced`);
  const asOf = cut ? await asOfDate(db, model, cut, shadows) : null;
  const {
    rows: [state],
  } = await sql<{ fingerprint: string; watermark: number; as_of: string | null; content: string | null }>`
    select fingerprint, watermark, as_of::varchar as as_of, content from ops.model_state where model = ${model.name}`.execute(db);
  const exists = (await relationKind(db, model.schema, model.table)) === 'table';
  const full =
    context.fullRefresh ||
    !exists ||
    !state ||
    state.fingerprint !== fingerprint ||
    (cut !== undefined && (asOf === null || state.as_of === null)) ||
    upstream.models.some((name) => context.rebuiltInFull.has(name));
  let mode: BuildMode;
  let changedKeys: number | null = null;
  // Rebuilt in full, its state is its rows: its fingerprint and watermark may be those of its last
  // build (an upstream model's SQL changed, no new file came) while its rows are not.
  let content: string | null = null;
  if (full) {
    await shadows.materialize(db, model);
    content = await contentDigest(db, shadows.readOf(model.name));
    context.rebuiltInFull.add(model.name);
    mode = 'full';
  } else {
    // Keys whose rows the as-of date now cuts otherwise: those dated after the earlier of the two
    // dates, up to the later.
    const crossed =
      cut && asOf !== state.as_of
        ? [
            `select ${upstreamKeyOf(model)} as ${model.incrementalKey} from ${shadows.readOf(cut.relation)}
            where ${cut.column}::date > least(date '${state.as_of}', date '${asOf}') and ${cut.column}::date <= greatest(date '${state.as_of}', date '${asOf}')`,
          ]
        : [];
    const change = await rebuildChangedKeys(db, model, context, shadows, upstream, state.watermark, crossed);
    changedKeys = change?.keys ?? 0;
    mode = change ? 'incremental' : 'unchanged';
    if (change) content = await contentAfterChange(db, state.content, { table: model.name, ...change });
    else {
      shadows.keep(model);
      content = state.content;
    }
  }
  // Its state is its rows, whichever way it was built: rows changed with no new file (an upstream
  // as-of cut moved, back and forth) change it, and rows rebuilt as they were leave its readers be.
  // Unchanged, it keeps its watermark too.
  const watermark = mode === 'unchanged' ? state!.watermark : context.newestFileId;
  context.states.set(model.name, content ? `rows ${content}` : `${fingerprint}:${watermark}${asOf === null ? '' : `:${asOf}`}`);
  shadows.recordState({ model: model.name, fingerprint, watermark, content, asOf });
  return { mode, changedKeys, note: null };
}

// The changed keys' rows, rebuilt into `<schema>._next_<table>__rows`; the build reads the model as
// the previous rows of the other keys and these. Returns how many keys changed, the table of the
// rows they had and have (the delta its readers follow), that of the rows they have, and the
// relation the build reads; null when no key changed.
async function rebuildChangedKeys(
  db: Kysely<Database>,
  model: Model,
  context: BuildContext,
  shadows: BuildShadows,
  upstream: { raw: string[]; models: string[] },
  watermark: number,
  crossed: string[],
): Promise<{ keys: number; replaced: string; added: string; result: string } | null> {
  const key = model.incrementalKey!;
  const source = upstreamKeyOf(model);
  const keys = shadows.relation(model, '__keys');
  const changed = [
    ...upstream.raw.map((relation) => `select ${source} as ${key} from ${relation} where _file_id > ${watermark}`),
    ...upstream.models.flatMap((name) => (context.deltas.has(name) ? [`select ${source} as ${key} from ${context.deltas.get(name)}`] : [])),
    ...crossed,
  ];
  await sql
    .raw(`create or replace table ${keys} as
    select distinct ${key} from (${changed.length > 0 ? changed.join('\nunion all\n') : `select ${key} from ${model.name} where false`}) as changed
    where ${key} is not null`)
    .execute(db);
  const changedKeys = (await sql<{ n: number }>`select count(*) as n from ${sql.raw(keys)}`.execute(db)).rows[0]!.n;
  if (changedKeys === 0) {
    await sql.raw(`drop table ${keys}`).execute(db);
    return null;
  }
  const inChanged = `${key} in (select ${key} from ${keys})`;
  const rows = shadows.relation(model, '__rows');
  const next = shadows.relation(model);
  const delta = `_delta_${model.schema}_${model.table}`;
  const query = await shadows.reading(db, model.file, model.sql);
  const narrowed = await narrowUpstream(
    db,
    query,
    [...upstream.raw, ...upstream.models].map((relation) => shadows.readOf(relation)),
    `${source} in (select ${key} from ${keys})`,
  );
  const rebuilt = `create or replace table ${rows} as select * from (\n${narrowed.sql}\n) as rebuilt where ${inChanged}`;
  await sql
    .raw(rebuilt)
    .execute(db)
    .catch((error) => {
      throw modelQueryError(model.file, error, rebuilt, narrowed.sql);
    });
  await sql
    .raw(`create or replace temp table ${delta} as select * from ${model.name} where ${inChanged} union all select * from ${rows};
    create or replace view ${next} as select * from ${model.name} where ${key} is null or ${key} not in (select ${key} from ${keys})
      union all select * from ${rows};`)
    .execute(db);
  for (const view of narrowed.views) await sql.raw(`drop view ${view}`).execute(db);
  context.deltas.set(model.name, delta);
  shadows.changedRows.set(model.name, rows);
  shadows.replaced(model, next, async (swap) => {
    await sql
      .raw(`delete from ${model.name} where ${inChanged};
      insert into ${model.name} select * from ${rows};
      drop view ${next}; drop table ${rows}; drop table ${keys};`)
      .execute(swap);
  });
  return { keys: changedKeys, replaced: delta, added: rows, result: next };
}

// The model's query reading only the changed keys' rows of its upstream relations, each through a
// temp view: the filter after the query stays, but DuckDB cannot push it below the query's windows
// and groupings, so without this every key would be computed and all but the changed dropped. A
// key's rows depend only on that key's upstream rows (what incremental_key promises).
async function narrowUpstream(db: Kysely<Database>, query: string, relations: string[], inChanged: string) {
  const views = new Map<string, string>();
  for (const relation of relations) {
    const view = `_changed_${relation.replace('.', '_')}`;
    await sql.raw(`create or replace temp view ${view} as select * from ${relation} where ${inChanged}`).execute(db);
    views.set(relation, view);
  }
  return { sql: replaceRelations(query, views), views: [...views.values()] };
}

// An upstream relation with the key column is read by key, so its changes must be traceable: raw
// tables and incremental models only. A model without it (a measured parameter such as the shop
// cycle) is read whole, and its content is part of the fingerprint.
async function classifyUpstream(db: Kysely<Database>, model: Model, context: BuildContext, shadows: BuildShadows) {
  const raw: string[] = [];
  const models: string[] = [];
  const whole: string[] = [];
  for (const relation of model.dependsOn) {
    const [schema = ''] = relation.split('.');
    if (schema === 'seeds') continue;
    const keyed = ((await relationColumns(db, shadows.readOf(relation))) ?? []).some((column) => column.name === upstreamKeyOf(model));
    if (schema === 'raw' && keyed) raw.push(relation);
    else if (context.incrementalModels.has(relation) && keyed) models.push(relation);
    else if (schema !== 'raw' && !keyed) whole.push(relation);
    else if (keyed)
      throw new ModelError(
        model.file,
        `an incremental model reads by key only raw tables and incremental models, whose changes can be traced; ${relation} is neither (a model read whole must not have the key column)`,
      );
    else
      throw new ModelError(
        model.file,
        `incremental_key ${model.incrementalKey}${model.upstreamKey ? ` = ${model.upstreamKey}` : ''}: ${upstreamKeyOf(model)} is not a column of ${relation}, so its changes cannot be traced`,
      );
  }
  return { raw, models, whole };
}

// The upstream column that holds the key's values: the key's own name unless the header maps it.
function upstreamKeyOf(model: Model): string {
  return model.upstreamKey ?? model.incrementalKey!;
}

// The as-of date the build reads, as text; the cut relation must be one the model reads by key.
async function asOfDate(db: Kysely<Database>, model: Model, cut: AsOfCut, shadows: BuildShadows): Promise<string | null> {
  for (const relation of [cut.relation, cut.asOfRelation])
    if (!model.dependsOn.includes(relation)) throw new ModelError(model.file, `as_of_cut names ${relation}, which the model does not read`);
  const { rows } = await sql<{ as_of: string | null }>`
    select max(${sql.raw(cut.asOfColumn)})::date::varchar as as_of from ${sql.raw(shadows.readOf(cut.asOfRelation))}`.execute(db);
  return rows[0]?.as_of ?? null;
}
