import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { ModelError } from './model.js';

/**
 * The `schema.table` relations a query reads, found with DuckDB's own parser rather than
 * regular expressions: CTE names and comments cannot be mistaken for tables.
 */
export async function inferDependencies(db: Kysely<Database>, file: string, query: string): Promise<string[]> {
  const { rows } = await sql<{ tree: string }>`select json_serialize_sql(${query}::varchar) as tree`.execute(db);
  const tree = JSON.parse(rows[0]?.tree ?? '{}');
  if (tree.error) throw new ModelError(file, `SQL does not parse: ${tree.error_message}`);
  const found = new Set<string>();
  collectTables(tree, found);
  return [...found].sort();
}

function collectTables(node: unknown, found: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) collectTables(child, found);
  } else if (node !== null && typeof node === 'object') {
    const record = node as Record<string, unknown>;
    if (record.type === 'BASE_TABLE' && typeof record.schema_name === 'string' && record.schema_name !== '') {
      found.add(`${record.schema_name}.${record.table_name}`);
    }
    for (const child of Object.values(record)) collectTables(child, found);
  }
}
