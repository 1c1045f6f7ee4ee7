import { type Kysely, sql } from 'kysely';
import { cut } from '../quoted.js';
import type { Database } from '../warehouse/database.js';
import { eachNode } from '../warehouse/each-node.js';
import { implicitAliases } from './implicit-aliases.js';
import { ModelError } from './model.js';
import { queryPositions } from './query-positions.js';

// A relation's name as written: up to three parts, each a word or a quoted identifier.
const writtenName = /(?:"(?:[^"]|"")*"|[\p{L}_][\p{L}\p{N}_$]*)(?:\s*\.\s*(?:"(?:[^"]|"")*"|[\p{L}_][\p{L}\p{N}_$]*)){0,2}/uy;

/**
 * The `schema.table` relations a query reads, found with DuckDB's own parser rather than
 * regular expressions: CTE names and comments cannot be mistaken for tables. Refuses, naming the
 * file's line, a query that does not parse, that names a relation otherwise than as plain
 * `schema.table` (the build reads its new relations by replacing those names, replace-relations.ts),
 * or that gives an expression an alias without AS (implicit-aliases.ts).
 */
export async function inferDependencies(db: Kysely<Database>, file: string, query: string): Promise<string[]> {
  const { rows } = await sql<{ tree: string }>`select json_serialize_sql(${query}::varchar) as tree`.execute(db);
  const tree = JSON.parse(rows[0]?.tree ?? '{}');
  const positions = queryPositions(query);
  if (tree.error)
    throw new ModelError(file, `SQL does not parse: ${tree.error_message}`, positions.line(positions.fromCharacter(tree.position)));
  const found = new Set<string>();
  for (const table of baseTables(tree)) {
    const name = `${table.schema_name}.${table.table_name}`;
    const index = positions.fromByte(table.query_location);
    writtenName.lastIndex = index ?? 0;
    const written = index === undefined ? undefined : writtenName.exec(query)?.[0];
    if (written !== name)
      throw new ModelError(
        file,
        `reads ${cut(written ?? name)} (write ${name}, unquoted: the build reads its new relations by their plain schema.table names)`,
        positions.line(index),
      );
    found.add(name);
  }
  const [alias] = implicitAliases(query, tree);
  if (alias) {
    const text = cut(alias.text);
    throw new ModelError(
      file,
      `${text} is taken as the alias of the expression before it, without AS (a missing comma? add it, or write "as ${text}")`,
      positions.line(alias.index),
    );
  }
  return [...found].sort();
}

interface BaseTable {
  schema_name: string;
  table_name: string;
  query_location: unknown;
}

// Every relation of a schema the tree reads; CTEs and unqualified names have none.
function baseTables(tree: unknown): BaseTable[] {
  const found: BaseTable[] = [];
  eachNode(tree, (node) => {
    if (node.type === 'BASE_TABLE' && typeof node.schema_name === 'string' && node.schema_name !== '')
      found.push(node as unknown as BaseTable);
  });
  return found;
}
