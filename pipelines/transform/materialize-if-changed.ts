import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { relationKind } from '../warehouse/relation-kind.js';
import type { BuildContext, BuildMode } from './build-context.js';
import type { BuildShadows } from './build-shadows.js';
import type { Model } from './model.js';
import { contentDigest, fingerprintOf, upstreamStates } from './model-fingerprint.js';

/**
 * Builds a table or view model into the build's new relation, unless nothing it depends on changed
 * since its last build (model-fingerprint.ts): the code, its SQL, parameters, seeds and macros,
 * and the state of every upstream relation. Then it keeps its relation (`unchanged`), as do its
 * readers in turn: a night without new members leaves the member staging alone. A computed model
 * too: a fit gives the same table from the same rows, parameters and last table (fit-or-keep.ts),
 * so the same inputs need no refit. A table rebuilt into the rows it had keeps them too, and its
 * readers see it unchanged: its state is its rows' digest, not what it was computed with, so a new
 * day that moves no campaign's figures stops at the first model that says so. Returns the
 * computation's note.
 */
export async function materializeIfChanged(
  db: Kysely<Database>,
  model: Model,
  context: BuildContext,
  shadows: BuildShadows,
): Promise<{ mode: BuildMode; changedKeys: null; note: string | null }> {
  const fingerprint = await fingerprintOf(db, model, context, await upstreamStates(db, model, context));
  const {
    rows: [state],
  } = await sql<{ fingerprint: string; content: string | null }>`
    select fingerprint, content from ops.model_state where model = ${model.name}`.execute(db);
  const kind = model.materialized === 'view' ? 'view' : 'table';
  const exists = (await relationKind(db, model.schema, model.table)) === kind;
  if (!context.fullRefresh && state?.fingerprint === fingerprint && exists) {
    context.states.set(model.name, stateText(fingerprint, state.content));
    shadows.keep(model);
    return { mode: 'unchanged', changedKeys: null, note: null };
  }
  const note = await shadows.materialize(db, model);
  const content = kind === 'table' ? await contentDigest(db, shadows.readOf(model.name)) : null;
  context.states.set(model.name, stateText(fingerprint, content));
  const same = !context.fullRefresh && content !== null && exists && content === state?.content;
  if (same) await shadows.discard(db, model);
  shadows.recordState({ model: model.name, fingerprint, watermark: 0, content, asOf: null });
  return { mode: same ? 'unchanged' : 'full', changedKeys: null, note };
}

// As modelStateSql reads it back.
function stateText(fingerprint: string, content: string | null | undefined): string {
  return content ? `rows ${content}` : `${fingerprint}:0`;
}
