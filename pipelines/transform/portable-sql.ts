import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { eachNode } from '../warehouse/each-node.js';
import { tokenize } from './implicit-aliases.js';
import { queryPositions } from './query-positions.js';

/**
 * The subset of DuckDB SQL that models are written in, so that they run unchanged on a PostgreSQL
 * engine too (Hologres, AnalyticDB for PostgreSQL, Citus, Greenplum). A construct outside it is
 * refused with the portable way to say the same thing. Measured on this project's models: a
 * transpiler reported success where PostgreSQL then refused most of them or, worse, gave other
 * numbers without an error (integer division, round of a DOUBLE, DECIMAL division).
 */

/** Functions with the same name and meaning in DuckDB and PostgreSQL. */
const portableFunctions = new Set(
  [
    // aggregates and window functions
    'avg bool_and bool_or count count_star max min string_agg sum stddev_samp var_samp',
    'row_number rank dense_rank ntile lag lead first_value last_value percent_rank cume_dist',
    // numbers
    'abs ceil ceiling exp floor greatest least ln log10 mod nullif power sign sqrt trunc',
    // text
    'chr concat concat_ws left length lower lpad ltrim regexp_replace replace right rpad rtrim split_part substring trim upper',
    // dates (extract(hour from x) is parsed as date_part), sets
    'date_part date_trunc generate_series unnest',
  ].flatMap((names) => names.split(' ')),
);

/**
 * DuckDB functions without a PostgreSQL namesake of the same meaning, which the PostgreSQL engine
 * defines as compatibility functions: each with the meaning its definition there must keep.
 */
export const compatibilityFunctions: Record<string, string> = {
  any_value: 'an aggregate: any one non-null value of the group (native from PostgreSQL 16)',
  arg_max: 'an aggregate: the first argument on the row where the second is greatest, among the rows whose first argument is not NULL',
  arg_min: 'an aggregate: the first argument on the row where the second is least, among the rows whose first argument is not NULL',
  date_diff: 'date_diff(part, start, end): the number of part boundaries (day, second, millisecond) between them',
  error: 'fails the query with the message',
  getvariable: "the build's parameter of that name, typed as the build sets it",
  json_extract: "the JSON value at a '$.key' path of a JSON text",
  last_day: 'the last day of the month of a date, as a date',
  regexp_extract: 'the first match of the pattern in the text, or an empty text',
  strftime: "a date or timestamp as text, for the formats %Y, %m, %d, %H, %M and %S (PostgreSQL's to_char)",
};

// Refused functions whose portable spelling is known.
const rewrites: Record<string, string> = {
  format: "DuckDB's format takes {} and PostgreSQL's %s: build the text with ||",
  printf: 'PostgreSQL has no printf: build the text with ||',
  median: 'write percentile_cont(0.5) within group (order by x)',
  quantile_cont: 'write percentile_cont(q) within group (order by x)',
  quantile_disc: 'write percentile_disc(q) within group (order by x)',
  range: 'write generate_series(start, stop - 1): range leaves out its stop, generate_series does not',
  datediff: 'write date_diff',
  to_days: "write n * interval '1 day'",
  to_months: "write n * interval '1 month'",
  to_years: "write n * interval '1 year'",
  year: 'write extract(year from x)',
  month: 'write extract(month from x)',
  day: 'write extract(day from x)',
  hour: 'write extract(hour from x)',
  minute: 'write extract(minute from x)',
  isodow: 'write extract(isodow from x)',
  dayofweek: 'write extract(dow from x)',
  round:
    'round a DOUBLE rounds half away from zero in DuckDB and half to even in PostgreSQL: round a DECIMAL (round(x::decimal(18, 4), 2)), or floor(x + 0.5) for half up',
  '//': 'PostgreSQL has no //: floor(x::float8 / y)',
};

// Words DuckDB's parser turns into standard nodes (if into CASE, ifnull into COALESCE, double into
// DOUBLE), so the query's own text is read for them: word, the token after it, and why.
const writtenWords: Array<[word: string, next: (token: string | undefined) => boolean, construct: string, reason: string]> = [
  ['double', (next) => next?.toLowerCase() !== 'precision', 'double', 'PostgreSQL has no type double: write float8'],
  ['if', (next) => next === '(', 'if(…)', 'write case when … then … else … end'],
  ['ifnull', (next) => next === '(', 'ifnull(…)', 'write coalesce(…)'],
  ['try_cast', (next) => next === '(', 'try_cast(…)', 'PostgreSQL has no try_cast: test the text first (a CASE)'],
];

const listsAndStructs = 'lists and structs do not carry over to PostgreSQL: use rows, a join or a union';

const castTypes = new Set(['BOOLEAN', 'INTEGER', 'BIGINT', 'DOUBLE', 'DECIMAL', 'VARCHAR', 'DATE', 'TIMESTAMP', 'INTERVAL']);

export interface PortabilityProblem {
  construct: string;
  reason: string;
  /** The line of the query, where DuckDB's parser gives the construct's place. */
  line: number | undefined;
}

/**
 * What in a model's query is outside the portable subset. `macros` are the names of
 * models/macros.sql, which the PostgreSQL engine defines as functions.
 */
export async function portabilityProblems(db: Kysely<Database>, query: string, macros: string[]): Promise<PortabilityProblem[]> {
  const { rows } = await sql<{ tree: string }>`select json_serialize_sql(${query}::varchar) as tree`.execute(db);
  const tree = JSON.parse(rows[0]?.tree ?? '{}');
  if (tree.error) throw new Error(`SQL does not parse: ${tree.error_message}`);
  const positions = queryPositions(query);
  const allowed = new Set([...portableFunctions, ...Object.keys(compatibilityFunctions), ...macros]);
  const problems: PortabilityProblem[] = [];
  const refuse = (node: Node, construct: string, reason: string) =>
    problems.push({ construct, reason, line: positions.line(positions.fromByte(earliestLocation(node))) });
  eachNode(tree.statements, (node) => {
    for (const [construct, reason, at] of constructProblems(node, allowed)) refuse((at as Node | undefined) ?? node, construct, reason);
  });
  const tokens = tokenize(query);
  for (const [index, token] of tokens.entries()) {
    for (const [word, next, construct, reason] of writtenWords)
      if (token.text.toLowerCase() === word && next(tokens[index + 1]?.text))
        problems.push({ construct, reason, line: positions.line(token.index) });
  }
  return problems.sort((one, other) => (one.line ?? 0) - (other.line ?? 0));
}

type Node = Record<string, unknown>;

// What, why, and the node that places it in the query (else the node found).
type Problem = [construct: string, reason: string, at?: unknown];

function constructProblems(node: Node, allowed: Set<string>): Problem[] {
  if (node.class === 'WINDOW') return functionProblems(node, allowed);
  switch (node.type) {
    case 'SELECT_NODE':
      return [
        ...(node.qualify
          ? [['qualify', 'PostgreSQL has no QUALIFY: number the rows in one CTE and keep them in the next', node.qualify] as Problem]
          : []),
        ...(node.aggregate_handling === 'FORCE_AGGREGATES' ? [['group by all', 'name the grouped columns'] as Problem] : []),
      ];
    case 'JOIN':
      if (node.join_type === 'SEMI' || node.join_type === 'ANTI')
        return [[`${String(node.join_type).toLowerCase()} join`, 'write where exists (…) or where not exists (…)']];
      return node.ref_type === 'REGULAR' || node.ref_type === 'CROSS'
        ? []
        : [[`${String(node.ref_type).toLowerCase()} join`, 'write a join on conditions']];
    case 'SUBQUERY':
      return node.class === undefined && node.alias === ''
        ? [['a subquery in from without an alias', 'PostgreSQL 15 requires one: (…) as name']]
        : [];
    case 'DESCENDING':
      return node.null_order === 'ORDER_DEFAULT'
        ? [['desc', 'NULLs sort last in DuckDB and first in PostgreSQL: write desc nulls last', node.expression]]
        : [];
    case 'PIVOT':
      return [['pivot or unpivot', 'PostgreSQL has neither: a union all of one select per column, or a lateral values list']];
    case 'SET_OPERATION_NODE':
      return node.setop_type === 'UNION_BY_NAME' ? [['union by name', 'list the same columns in the same order in each part']] : [];
    case 'LAMBDA':
      return [['a lambda', listsAndStructs]];
    case 'STAR':
      return list(node.exclude_list) ||
        list(node.replace_list) ||
        list(node.rename_list) ||
        list(node.qualified_exclude_list) ||
        node.columns
        ? [['* exclude, replace, rename or columns(…)', 'name the columns']]
        : [];
    case 'ARRAY_EXTRACT':
    case 'ARRAY_SLICE':
    case 'STRUCT_EXTRACT':
      return [['an element or field of a list or struct', listsAndStructs]];
    case 'COLUMN_REF':
      return (node.column_names as unknown[]).length > 2
        ? [[`${(node.column_names as string[]).join('.')}`, `a struct's field: ${listsAndStructs}`]]
        : [];
    case 'OPERATOR_CAST': {
      const type = (node.cast_type as { id: string }).id;
      if (!castTypes.has(type)) return [[`::${type.toLowerCase()}`, `cast to one of ${[...castTypes].join(', ').toLowerCase()}`]];
      return type === 'DECIMAL' && isDivision(node.child)
        ? [['a division cast to DECIMAL', 'divide money with the macro money_ratio: exact cents, half away from zero']]
        : [];
    }
    case 'FUNCTION':
      return functionProblems(node, allowed);
    default:
      return [];
  }
}

function functionProblems(node: Node, allowed: Set<string>): Problem[] {
  const name = String(node.function_name).toLowerCase();
  const children = (node.children ?? []) as Node[];
  if (node.is_operator || /^[^a-z_]+$/.test(name)) {
    if (name === '/' && !castTo(children[0], 'DOUBLE'))
      return [['a division whose dividend is not ::float8', 'PostgreSQL divides integers to an integer: write x::float8 / nullif(y, 0)']];
    return name === '//' ? [['//', rewrites['//']!]] : [];
  }
  const withinGroup = list((node.order_bys as { orders?: unknown[] } | undefined)?.orders);
  if ((name === 'quantile_cont' || name === 'quantile_disc') && withinGroup && children.length === 1) return [];
  if (name === 'round' && castTo(children[0], 'DECIMAL')) return [];
  if (allowed.has(name)) return [];
  if (name in rewrites) return [[`${name}(…)`, rewrites[name]!]];
  if (name.startsWith('list_') || name.startsWith('array_') || name === 'struct_pack' || name === 'row')
    return [[`${name}(…)`, listsAndStructs]];
  return [
    [
      `${name}(…)`,
      'not a function of the portable subset (pipelines/transform/portable-sql.ts): write it with those, or add it there with its PostgreSQL definition',
    ],
  ];
}

const list = (value: unknown) => Array.isArray(value) && value.length > 0;

function isDivision(node: unknown): boolean {
  const record = node as Node | undefined;
  return record?.class === 'FUNCTION' && record.function_name === '/';
}

function castTo(node: unknown, type: string): boolean {
  const record = node as Node | undefined;
  return record?.type === 'OPERATOR_CAST' && (record.cast_type as { id: string }).id === type;
}

// The node's place in the query, or else the first place inside it (a SELECT's has none of its own;
// DuckDB writes 2^64 - 1 for none).
function earliestLocation(node: unknown): number | undefined {
  let earliest: number | undefined;
  eachNode(node, (inner) => {
    const at = inner.query_location;
    if (typeof at === 'number' && Number.isSafeInteger(at) && (earliest === undefined || at < earliest)) earliest = at;
  });
  return earliest;
}
