import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { relationKind } from '../warehouse/relation-kind.js';
import type { BuildContext, BuildMode } from './build-context.js';
import type { BuildShadows } from './build-shadows.js';
import type { Model } from './model.js';
import { fingerprintOf, upstreamStates } from './model-fingerprint.js';

/**
 * Builds a table or view model into the build's new relation, unless nothing it depends on changed
 * since its last build (model-fingerprint.ts): the code, its SQL, parameters, seeds and macros,
 * and the state of every upstream relation. Then it keeps its relation (`unchanged`), as do its
 * readers in turn: a night without new members leaves the member staging alone. A computed model
 * too: a fit gives the same table from the same rows, parameters and last table (fit-or-keep.ts),
 * so the same inputs need no refit. Returns the computation's note.
 */
export async function materializeIfChanged(
  db: Kysely<Database>,
  model: Model,
  context: BuildContext,
  shadows: BuildShadows,
): Promise<{ mode: BuildMode; changedKeys: null; note: string | null }> {
  const fingerprint = await fingerprintOf(db, model, context, await upstreamStates(db, model, context));
  context.states.set(model.name, `${fingerprint}:0`);
  const {
    rows: [state],
  } = await sql<{ fingerprint: string }>`select fingerprint from ops.model_state where model = ${model.name}`.execute(db);
  const kind = model.materialized === 'view' ? 'view' : 'table';
  if (!context.fullRefresh && state?.fingerprint === fingerprint && (await relationKind(db, model.schema, model.table)) === kind) {
    shadows.keep(model);
    return { mode: 'unchanged', changedKeys: null, note: null };
  }
  const note = await shadows.materialize(db, model);
  shadows.onSwap(async (swap) => {
    await sql`insert or replace into ops.model_state values (${model.name}, ${fingerprint}, 0, now()::timestamp)`.execute(swap);
  });
  return { mode: 'full', changedKeys: null, note };
}
