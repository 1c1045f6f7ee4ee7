import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { identifier, literal } from '../warehouse/sql-text.js';
import { temp } from './temp-tables.js';

export interface ColumnSpec {
  name: string;
  type: string;
  required: boolean;
}

// A line may be long (a product list, a long address), but a field over 64K characters is a
// broken export, not data: its row is quarantined.
const maxFieldLength = 65_536;

/** The typed value of a column in temp table `checked`: "<column>:typed". */
export function typedColumn(column: string): string {
  return identifier(`${column}:typed`);
}

/** raw.* columns with their types; `not null` columns are the required ones. */
export async function rawTables(db: Kysely<Database>): Promise<Map<string, ColumnSpec[]>> {
  const { rows } = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>`
    select table_name, column_name, data_type, is_nullable from information_schema.columns
    where table_schema = 'raw' and not starts_with(column_name, '_') order by table_name, ordinal_position`.execute(db);
  const tables = new Map<string, ColumnSpec[]>();
  for (const row of rows) {
    const list = tables.get(row.table_name) ?? [];
    list.push({ name: row.column_name, type: row.data_type, required: row.is_nullable === 'NO' });
    tables.set(row.table_name, list);
  }
  return tables;
}

/**
 * Temp table `checked` from `incoming`: the rows as read, each value cast once to its raw type,
 * and _reason, what is wrong with the row ('' when nothing): values that are missing, too long or
 * not of their type, or else the check constraints of raw.<table> that the typed row breaks.
 */
export async function checkRows(db: Kysely<Database>, table: string, columns: ColumnSpec[], ignored: string[]): Promise<void> {
  const rules = await checkConstraints(db, table);
  const names = new Set(columns.map((column) => column.name));
  const applicable = rules.filter((rule) =>
    [...rule.replace(/'[^']*'/g, '').matchAll(/[a-z_]+/g)].every(([word]) => names.has(word) || /^(and|or|not|in|is|null)$/.test(word)),
  );
  // A rule names columns: it is evaluated on their typed values.
  const onTyped = (rule: string) => rule.replace(/'[^']*'|[a-z_]+/g, (token) => (names.has(token) ? typedColumn(token) : token));
  const broken = applicable.map(
    (rule) => `case when not (${onTyped(rule)}) then ${literal(`breaks the rule ${rule.replace(/^\((.*)\)$/, '$1')}`)} end`,
  );
  const rulesBroken = broken.length === 0 ? "''" : `concat_ws('; ', ${broken.join(', ')})`;
  await sql
    .raw(`create temp table ${temp.checked} as
    select * exclude (_problems), if(_problems = '', ${rulesBroken}, _problems) as _reason
    from (
      select *, ${rowProblems(columns)} as _problems
      from (select ${[...columns.map((column) => identifier(column.name)), ...ignored.map(identifier)].join(', ')}, _line,
                   ${columns.map((column) => `${typedValue(column)} as ${typedColumn(column.name)}`).join(', ')}
            from ${temp.incoming})
    )`)
    .execute(db);
}

/** The check constraints of raw.<table>, as SQL expressions over its columns. */
async function checkConstraints(db: Kysely<Database>, table: string): Promise<string[]> {
  const { rows } = await sql<{ expression: string }>`select expression from duckdb_constraints()
    where schema_name = 'raw' and table_name = ${table} and constraint_type = 'CHECK' order by constraint_index`.execute(db);
  return rows.map((row) => row.expression);
}

/** A SQL expression listing what is wrong with a row's values ('' when nothing). */
function rowProblems(columns: ColumnSpec[]): string {
  const checks = columns.flatMap((column) => {
    const value = identifier(column.name);
    const problems = [
      `case when ${value} is not null and ${typedColumn(column.name)} is null
      then ${literal(`${column.name}: '`)} || left(${value}, 40) || ${literal(`' is not a ${column.type}`)} end`,
    ];
    if (column.required)
      problems.push(`case when ${value} is null or trim(${value}) = '' then ${literal(`${column.name} is missing`)} end`);
    problems.push(
      `case when length(${value}) > ${maxFieldLength} then ${literal(`${column.name}: `)} || format('{:,}', length(${value})) || ${literal(` characters, more than ${maxFieldLength.toLocaleString('en-US')}`)} end`,
    );
    return problems;
  });
  return `concat_ws('; ', ${checks.join(', ')})`;
}

// Text with an offset ('…T10:00:00Z', '… 10:00:00+02:00') is an instant: stored as shop time.
const withOffset = String.raw`\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d(:?\d\d)?)$`;

/** A column's text as its raw type, NULL when it is not one. */
function typedValue(column: ColumnSpec): string {
  const value = identifier(column.name);
  if (column.type !== 'TIMESTAMP') return `try_cast(${value} as ${column.type})`;
  return `case when regexp_matches(${value}, ${literal(withOffset)})
    then timezone(getvariable('shop_time_zone'), try_cast(regexp_replace(${value}, '\\s+([+-]\\d\\d(:?\\d\\d)?)$', '\\1') as timestamptz))
    else try_cast(${value} as timestamp) end`;
}
