import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { materializeComputed } from './materialize-computed.js';
import type { Model } from './model.js';

/**
 * Creates or replaces the model's view or table (an incremental model in full, as a table; a
 * computed model through its computation). Returns the computation's note, if any.
 */
export async function materializeModel(db: Kysely<Database>, model: Model): Promise<string | null> {
  if (model.compute) return materializeComputed(db, model);
  // `create or replace` cannot turn a table into a view or back: a model whose header changed
  // drops the old kind first.
  const { rows } = await sql<{ kind: string }>`select table_type as kind from information_schema.tables
    where table_schema = ${model.schema} and table_name = ${model.table}`.execute(db);
  const existing = rows[0]?.kind === 'VIEW' ? 'view' : rows[0] ? 'table' : undefined;
  const kind = model.materialized === 'view' ? 'view' : 'table';
  if (existing && existing !== kind) await sql.raw(`drop ${existing} ${model.name}`).execute(db);
  await sql.raw(`create or replace ${kind} ${model.name} as\n${model.sql}`).execute(db);
  return null;
}
