import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';

/** Whether `schema.table` is a view, a table, or nothing yet. */
export async function relationKind(db: Kysely<Database>, schema: string, table: string): Promise<'view' | 'table' | undefined> {
  const { rows } = await sql<{ kind: string }>`select table_type as kind from information_schema.tables
    where table_schema = ${schema} and table_name = ${table}`.execute(db);
  return rows[0]?.kind === 'VIEW' ? 'view' : rows[0] ? 'table' : undefined;
}
