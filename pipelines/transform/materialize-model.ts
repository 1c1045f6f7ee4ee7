import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { relationKind } from '../warehouse/relation-kind.js';
import { materializeComputed } from './materialize-computed.js';
import { type Model, modelQueryError } from './model.js';

/**
 * Creates or replaces the model's view or table as `into` from `query` (an incremental model in
 * full, as a table; a computed model through its computation). Returns the computation's note, if any.
 */
export async function materializeModel(db: Kysely<Database>, model: Model, into = model.name, query = model.sql): Promise<string | null> {
  // `create or replace` cannot turn a table into a view or back: a model whose header changed
  // drops the old kind first.
  const [schema = '', table = ''] = into.split('.');
  const existing = await relationKind(db, schema, table);
  const kind = model.materialized === 'view' ? 'view' : 'table';
  if (existing && existing !== kind) await sql.raw(`drop ${existing} ${into}`).execute(db);
  if (model.compute) return materializeComputed(db, model, into, query);
  const statement = `create or replace ${kind} ${into} as\n${query}`;
  await sql
    .raw(statement)
    .execute(db)
    .catch((error) => {
      throw modelQueryError(model.file, error, statement, query);
    });
  return null;
}
