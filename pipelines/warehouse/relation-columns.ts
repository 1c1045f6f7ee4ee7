import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { literal } from './sql-text.js';

export interface RelationColumn {
  name: string;
  /** As information_schema.columns spells it: DECIMAL(18,2), VARCHAR[]. */
  type: string;
}

/**
 * The columns of the relation `schema.table`, in order, or undefined if there is none. One
 * relation's columns, where information_schema.columns lists every attached database's first.
 * A relation that does not exist fails to bind, which leaves an open transaction usable.
 */
export async function relationColumns(db: Kysely<Database>, relation: string): Promise<RelationColumn[] | undefined> {
  try {
    const { rows } =
      await sql<RelationColumn>`select name, type from ${sql.raw(`pragma_table_info(${literal(relation)})`)} order by cid`.execute(db);
    return rows;
  } catch (error) {
    if (/^Catalog Error: (Table|Table or view) with name .* does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}
