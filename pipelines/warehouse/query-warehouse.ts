import { type DuckDBInstance, StatementType } from '@duckdb/node-api';
import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { eachNode } from './each-node.js';
import { limitFileAccess } from './limit-file-access.js';
import { type QueryFormat, runQuery } from './run-query.js';

const refused = 'query reads the warehouse only';
const redirect = 'use --format csv (or json) and a shell redirect: query "select ..." --format csv > out.csv';
const tables = 'query its tables, listed by query "show all tables"';

// Why each kind of statement other than a SELECT (or EXPLAIN) is refused, and what to do instead.
const refusals: Partial<Record<StatementType, string>> = {
  [StatementType.COPY]: `COPY is refused; ${redirect}`,
  [StatementType.EXPORT]: `EXPORT DATABASE is refused; ${redirect}`,
  [StatementType.COPY_DATABASE]: `COPY FROM DATABASE is refused; ${redirect}`,
  [StatementType.ATTACH]: `ATTACH is refused; ${tables}`,
  [StatementType.DETACH]: `DETACH is refused; ${tables}`,
  [StatementType.LOAD]: "INSTALL and LOAD are refused; it has DuckDB's built-in functions",
  [StatementType.SET]:
    'SET, RESET, USE and setting PRAGMAs are refused, its settings are locked; WAREHOUSE_MEMORY_LIMIT and WAREHOUSE_THREADS set memory and threads',
};

/**
 * The `query` command: one statement that reads the warehouse and nothing else. DuckDB's file
 * access is turned off and its settings locked first: that is what makes anything else impossible.
 * DuckDB's own parser tells what the statement is, so that a refusal says why and what to do.
 */
export async function queryWarehouse(
  warehouse: { instance: DuckDBInstance; db: Kysely<Database> },
  text: string,
  format: QueryFormat,
): Promise<string> {
  await limitFileAccess(warehouse.db, [], { lockConfiguration: true });
  const tree = await parse(warehouse.db, text);
  if (tree.error && tree.error_type !== 'not implemented') throw new Error(`query: the SQL does not parse: ${tree.error_message}`);
  if (tree.error) await checkKind(warehouse.instance, text);
  else if (tree.statements?.length !== 1) throw oneStatement(tree.statements?.length ?? 0);
  try {
    return await runQuery(warehouse.db, text, format);
  } catch (error) {
    throw readsFiles(error) ? new Error(`${refused}: ${readingIn(tree)} is refused; ${tables}`) : error;
  }
}

interface SqlTree {
  error: boolean;
  error_type?: string;
  error_message?: string;
  statements?: unknown[];
}

// json_serialize_sql parses without running anything, and serializes SELECT statements only.
async function parse(db: Kysely<Database>, text: string): Promise<SqlTree> {
  const { rows } = await sql<{ tree: string }>`select json_serialize_sql(${text}::varchar) as tree`.execute(db);
  return JSON.parse(rows[0]!.tree) as SqlTree;
}

// A statement json_serialize_sql does not take: DuckDB prepares it (binds it, runs nothing) to say
// which kind it is. A SELECT such as PRAGMA table_info, or an EXPLAIN, may run.
async function checkKind(instance: DuckDBInstance, text: string): Promise<void> {
  const connection = await instance.connect();
  try {
    const statements = await connection.extractStatements(text).catch(refuseFiles);
    if (statements.count !== 1) throw oneStatement(statements.count);
    const prepared = await statements.prepare(0).catch(refuseFiles);
    const kind = prepared.statementType;
    prepared.destroySync();
    if (kind === StatementType.SELECT || kind === StatementType.EXPLAIN) return;
    throw new Error(
      `${refused}: ${refusals[kind] ?? `${StatementType[kind]} is refused, it runs one SELECT; refresh, build and load write the warehouse`}`,
    );
  } finally {
    connection.closeSync();
  }
}

// What binds a file before running: COPY, EXPORT and IMPORT DATABASE.
function refuseFiles(error: Error): never {
  throw readsFiles(error) ? new Error(`${refused}: reading or writing files (COPY, EXPORT, IMPORT) is refused; ${redirect}`) : error;
}

function oneStatement(count: number): Error {
  return new Error(count === 0 ? 'query: no statement given' : `query runs one statement, not ${count}: run them one at a time`);
}

function readsFiles(error: unknown): boolean {
  return /Permission Error: Cannot access (file|directory)/.test((error as Error).message);
}

// The table functions of the statement, which is where files are read (read_text, glob, ...).
function readingIn(tree: SqlTree): string {
  const names = new Set<string>();
  eachNode(tree.statements, (node) => {
    if (node.type === 'TABLE_FUNCTION') names.add(String((node.function as { function_name?: string })?.function_name));
  });
  return names.size === 0 ? 'reading files' : `reading files (${[...names].join(', ')})`;
}
