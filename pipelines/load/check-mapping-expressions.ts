import { type Kysely, sql } from 'kysely';
import { cut, quoted } from '../quoted.js';
import type { Database } from '../warehouse/database.js';
import type { InputMapping } from './input-mapping.js';
import { temp } from './temp-tables.js';

/**
 * The functions a mapping expression may call. A rule of the loader's security, not of the
 * business: it changes with this code and its review, so it is kept here rather than in a seed
 * that any shop's operator edits. Built from what the shipped mappings use, the common text,
 * date and number functions, and the operators DuckDB's parser writes as functions (`||`, LIKE
 * as `~~`, `+`, …). Casts, try_cast, CASE, COALESCE, IN, IS NULL and comparisons are not
 * functions to the parser and are always allowed.
 */
const scalarFunctions = new Set([
  ...['lower', 'upper', 'trim', 'ltrim', 'rtrim', 'replace', 'translate', 'strip_accents', 'reverse', 'lpad', 'rpad'],
  ...['concat', 'concat_ws', 'length', 'starts_with', 'ends_with', 'contains', 'position', 'strpos', 'nullif', 'greatest', 'least'],
  ...['regexp_replace', 'regexp_extract', 'regexp_matches', 'regexp_full_match', 'split_part', 'substring', 'substr', 'left', 'right'],
  // [a, b] is list_value: try_strptime takes a list of formats.
  ...['strptime', 'try_strptime', 'list_value', 'strftime', 'date_trunc', 'date_part', 'date_diff', 'make_date', 'make_timestamp'],
  ...['to_timestamp', 'epoch_ms', 'timezone', 'to_years', 'to_months', 'to_weeks', 'to_days', 'to_hours', 'to_minutes', 'to_seconds'],
  ...['abs', 'round', 'floor', 'ceil', 'ceiling', 'trunc', 'sign'],
  ...['||', '~~', '!~~', '~~*', '!~~*', '~~~', '+', '-', '*', '/', '//', '%', '^', '**'],
]);

/** Functions with OVER (…): a Shopify order is the first line of its Name, its item count the sum over its lines. */
const windowFunctions = new Set([
  ...['row_number', 'rank', 'dense_rank', 'ntile', 'lag', 'lead', 'first_value', 'last_value', 'nth_value'],
  ...['sum', 'count', 'min', 'max', 'avg'],
]);

/** Expression kinds that compute from their operands alone. */
const plainNodes = new Set(['CONSTANT', 'CAST', 'COMPARISON', 'CONJUNCTION', 'OPERATOR', 'CASE', 'BETWEEN', 'COLLATE']);

const refusedNodes: Record<string, string> = {
  SUBQUERY: 'a subquery',
  STAR: '* or COLUMNS(…)',
  PARAMETER: 'a parameter ($1 or ?)',
  POSITIONAL_REFERENCE: 'a positional reference (#1)',
  LAMBDA: 'a lambda',
};

const remedy =
  "a mapping expression is one scalar expression over the file's fields and _line, calling only the functions listed in pipelines/load/check-mapping-expressions.ts";

/** A table's expressions as they are evaluated: its columns, with the optional ones whose fields the file has. */
export interface MappedTable {
  columns: Record<string, string>;
  rows?: string;
}

export interface CheckedMapping {
  name: string;
  tables: Record<string, MappedTable>;
}

interface Check {
  db: Kysely<Database>;
  file: string;
  /** The file's field names (and _line), for messages; `known` holds them as DuckDB matches them, regardless of case. */
  fields: string[];
  known: Set<string>;
  /** The parse tree of a select of one constant, which every expression's select must match but for the expression. */
  blank: string;
}

/**
 * Parses every expression of the mapping with DuckDB's own parser, as it will be evaluated
 * (`(expression)` in a select over temp table `fields`), and refuses, naming the mapping file and
 * the key, anything but one scalar expression over the file's fields: a second statement, a
 * subquery, a table function, a name of another relation or column, a function outside the
 * lists above. Runs once the file is read (its fields are known) and before any expression does.
 */
export async function checkMappingExpressions(db: Kysely<Database>, mapping: InputMapping): Promise<CheckedMapping> {
  const fields = await fieldNames(db);
  const check: Check = {
    db,
    file: mapping.file,
    fields,
    known: new Set(fields.map((field) => field.toLowerCase())),
    blank: aroundExpression((await serialize(db, 'null')).statements[0]!.node),
  };
  const tables: Record<string, MappedTable> = {};
  for (const [table, { columns, optional_columns: optionalColumns, rows }] of Object.entries(mapping.tables)) {
    const key = `tables.${table}`;
    const checked: MappedTable = { columns: {}, rows };
    for (const [column, expression] of Object.entries(columns)) {
      await checkExpression(check, `${key}.columns.${column}`, expression);
      checked.columns[column] = expression;
    }
    // Used when the file has the fields they read, and refused like any other when not an expression over fields.
    for (const [column, expression] of Object.entries(optionalColumns)) {
      const lacking = await checkExpression(check, `${key}.optional_columns.${column}`, expression, true);
      if (lacking.length === 0) checked.columns[column] = expression;
    }
    if (rows !== undefined) await checkExpression(check, `${key}.rows`, rows);
    tables[table] = checked;
  }
  return { name: mapping.name, tables };
}

/** The fields the expression reads that the file lacks; unless `optional`, any is refused. */
async function checkExpression(check: Check, key: string, expression: string, optional = false): Promise<string[]> {
  const refuse = (problem: string) => new Error(`${check.file}: ${key}: ${problem}; ${remedy}`);
  const tree = await serialize(check.db, expression);
  const problem = statementProblem(tree, check.blank);
  if (problem) throw refuse(problem);
  const read: string[] = [];
  const nodeError = nodeProblem(tree.statements[0]!.node.select_list, read);
  if (nodeError) throw refuse(nodeError);
  const lacking = read.filter((name) => !check.known.has(name.toLowerCase()));
  if (lacking.length > 0 && !optional)
    throw refuse(`${quoted(lacking[0]!)} is not a field of the file (fields: ${cut(check.fields.join(', '))})`);
  return lacking;
}

/** The parts of DuckDB's JSON parse tree that are looked at by name; the rest is walked. */
interface ParseTree {
  error?: boolean;
  error_message?: string;
  statements: Array<{ node: SelectNode }>;
}

interface SelectNode {
  type: string;
  from_table?: { type: string };
  select_list: Array<{ alias: string }>;
}

/** DuckDB's parse tree of the select that evaluates the expression. */
async function serialize(db: Kysely<Database>, expression: string): Promise<ParseTree> {
  const select = `select (${expression}) from ${temp.fields}`;
  const { rows } = await sql<{ tree: string }>`select json_serialize_sql(${select}::varchar) as tree`.execute(db);
  return JSON.parse(rows[0]!.tree);
}

/** What makes the text more than one expression in the select, if anything. */
function statementProblem(tree: ParseTree, blank: string): string | undefined {
  // The serializer takes SELECT statements only: a second statement of another kind fails it.
  if (tree.error) {
    return /only select statements/i.test(tree.error_message ?? '')
      ? 'a second statement is not allowed'
      : `it does not parse: ${quoted(tree.error_message ?? '')}`;
  }
  if (tree.statements.length !== 1) return 'a second statement is not allowed';
  const node = tree.statements[0]!.node;
  if (node.from_table?.type === 'TABLE_FUNCTION') return 'a table function is not allowed';
  if (aroundExpression(node) !== blank) return 'the text goes on after the expression';
  return undefined;
}

/** The select without its expression (but with how many there are, and the first's alias), positions left out. */
function aroundExpression(node: SelectNode): string {
  const selected = node.select_list ?? [];
  return JSON.stringify({ ...node, select_list: [selected.length, selected[0]?.alias] }, withoutLocation);
}

function withoutLocation(key: string, value: unknown): unknown {
  return key === 'query_location' ? undefined : value;
}

/** The first thing in the tree that is not allowed; the fields it names are added to `read`. */
function nodeProblem(node: unknown, read: string[]): string | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const problem = nodeProblem(child, read);
      if (problem) return problem;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  const record = node as Record<string, unknown>;
  const problem = typeof record.class === 'string' ? expressionProblem(record, read) : undefined;
  return problem ?? nodeProblem(Object.values(record), read);
}

function expressionProblem(node: Record<string, unknown>, read: string[]): string | undefined {
  switch (node.class) {
    case 'COLUMN_REF': {
      const names = node.column_names as string[];
      if (names.length > 1) return `${quoted(names.join('.'))} names another relation; only the file's fields may be read`;
      read.push(names[0]!);
      return undefined;
    }
    case 'FUNCTION':
      return functionProblem(node, scalarFunctions);
    case 'WINDOW':
      return functionProblem(node, windowFunctions);
    default: {
      const kind = node.class as string;
      if (plainNodes.has(kind)) return undefined;
      return `${refusedNodes[kind] ?? `a ${kind.toLowerCase()} expression`} is not allowed`;
    }
  }
}

function functionProblem(node: Record<string, unknown>, allowed: Set<string>): string | undefined {
  const name = String(node.function_name).toLowerCase();
  const qualifier = [node.catalog, node.schema].filter((part) => part !== '' && part !== 'main').join('.');
  // x.f() of a field x parses as f in schema x, as DuckDB tries that first.
  if (qualifier !== '')
    return `${quoted(`${qualifier}.${name}`)} is not allowed: name a function without a schema (lower(x), not x.lower())`;
  if (allowed.has(name)) return undefined;
  return `function ${quoted(name)}${allowed === windowFunctions ? ' with OVER (…)' : ''} is not allowed`;
}

async function fieldNames(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ name: string }>`select column_name as name from information_schema.columns
    where table_name = ${temp.fields} order by ordinal_position`.execute(db);
  return rows.map((row) => row.name);
}
