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

// What trimming removes around an identifier: spaces, tabs, line breaks, no-break and ideographic spaces.
const blanks = literal(' \t\r\n\u00a0\u3000');

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
 * Something that may be wrong with a row: when (SQL over the row), and what the quarantine says,
 * in full (`reason`) and as published (`publicReason`: the column and the kind of problem, never
 * a value, which may be personal data). Both are SQL expressions.
 */
interface Problem {
  when: string;
  reason: string;
  publicReason: string;
}

/**
 * Temp table `checked` from `incoming`: the rows as read, each value cast once to its raw type,
 * and what is wrong with the row ('' when nothing) in _reason and _public_reason: values that are
 * missing, too long or not of their type, or else the rules the typed row breaks (the check
 * constraints of raw.<table>, then the table's rules in temp table `loadRules`).
 */
export async function checkRows(db: Kysely<Database>, table: string, columns: ColumnSpec[], ignored: string[]): Promise<void> {
  const values = valueProblems(columns);
  const rules = await ruleProblems(db, table, columns);
  await sql
    .raw(`create temp table ${temp.checked} as
    select * exclude (_value_reason, _value_public_reason, _rule_reason),
      if(_value_reason = '', _rule_reason, _value_reason) as _reason,
      if(_value_reason = '', _rule_reason, _value_public_reason) as _public_reason
    from (
      select *, ${listed(values, 'reason')} as _value_reason, ${listed(values, 'publicReason')} as _value_public_reason,
        ${listed(rules, 'reason')} as _rule_reason
      from (select ${[...columns.map((column) => identifier(column.name)), ...ignored.map(identifier)].join(', ')}, _line,
                   ${columns.map((column) => `${typedValue(column)} as ${typedColumn(column.name)}`).join(', ')}
            from ${temp.incoming})
    )`)
    .execute(db);
}

/** A SQL expression listing the problems a row has ('' when none). */
function listed(problems: Problem[], text: 'reason' | 'publicReason'): string {
  if (problems.length === 0) return "''";
  return `concat_ws('; ', ${problems.map((problem) => `case when ${problem.when} then ${problem[text]} end`).join(', ')})`;
}

/** What may be wrong with a row's values as read. */
function valueProblems(columns: ColumnSpec[]): Problem[] {
  return columns.flatMap((column) => {
    const value = identifier(column.name);
    const problems: Problem[] = [];
    // Text is always text: only the other types can fail their cast.
    if (column.type !== 'VARCHAR')
      problems.push({
        when: `${value} is not null and ${typedColumn(column.name)} is null`,
        reason: `${literal(`${column.name}: '`)} || left(${value}, 40) || ${literal(`' is not a ${column.type}`)}`,
        publicReason: literal(`${column.name} is not a ${column.type}`),
      });
    if (column.required)
      problems.push(valueFree(`${value} is null or trim(${value}, ${blanks}) = ''`, literal(`${column.name} is missing`)));
    problems.push(
      valueFree(
        `length(${value}) > ${maxFieldLength}`,
        `${literal(`${column.name}: `)} || format('{:,}', length(${value})) || ${literal(` characters, more than ${maxFieldLength.toLocaleString('en-US')}`)}`,
      ),
    );
    return problems;
  });
}

function valueFree(when: string, reason: string): Problem {
  return { when, reason, publicReason: reason };
}

/**
 * The rules of a table that the file's columns allow: the check constraints of raw.<table>
 * ("breaks the rule …") and its rules in `loadRules` (their reason, where {name} is the value of
 * variable `name`), each evaluated on the typed values. A rule naming a column the file lacks is
 * left out.
 */
async function ruleProblems(db: Kysely<Database>, table: string, columns: ColumnSpec[]): Promise<Problem[]> {
  const { rows } = await sql<{ rule: string; reason: string | null; columns: string[] }>`
    select rule, reason, (select list(column_name) from information_schema.columns where table_schema = 'raw' and table_name = ${table}) as columns
    from (
      select expression as rule, null as reason, 0 as source, constraint_index as position from duckdb_constraints()
      where schema_name = 'raw' and table_name = ${table} and constraint_type = 'CHECK'
      union all
      select rule, reason, 1, rule_order from ${sql.table(temp.loadRules)} where table_name = ${table}
    )
    order by source, position`.execute(db);
  const present = new Set(columns.map((column) => column.name));
  const words = (rule: string) => [...rule.replace(/'[^']*'/g, '').matchAll(/[a-z_]+/g)].map(([word]) => word);
  // A rule names columns: it is evaluated on their typed values.
  const onTyped = (rule: string) => rule.replace(/'[^']*'|[a-z_]+/g, (token) => (present.has(token) ? typedColumn(token) : token));
  return rows
    .filter(({ rule, columns: all }) => words(rule).every((word) => present.has(word) || !all.includes(word)))
    .map(({ rule, reason }) =>
      valueFree(
        `not (${onTyped(rule)})`,
        reason === null ? literal(`breaks the rule ${rule.replace(/^\((.*)\)$/, '$1')}`) : withVariables(reason),
      ),
    );
}

/** A reason's text as SQL, with each {name} replaced by the value of variable `name`. */
function withVariables(reason: string): string {
  const parts = reason
    .split(/\{([a-z_]+)\}/)
    .map((part, index) => (index % 2 === 1 ? `getvariable(${literal(part)})::varchar` : literal(part)));
  return `concat(${parts.join(', ')})`;
}

// Text with an offset ('…T10:00:00Z', '… 10:00:00+02:00') is an instant: stored as shop time.
const withOffset = String.raw`\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d(:?\d\d)?)$`;

/**
 * A column's text as its raw type, NULL when it is not one. An identifier (a text column named
 * *_id) is trimmed, and NULL when nothing is left.
 */
function typedValue(column: ColumnSpec): string {
  const value = identifier(column.name);
  if (column.type === 'VARCHAR' && column.name.endsWith('_id')) return `nullif(trim(${value}, ${blanks}), '')`;
  if (column.type !== 'TIMESTAMP') return `try_cast(${value} as ${column.type})`;
  return `case when regexp_matches(${value}, ${literal(withOffset)})
    then timezone(getvariable('shop_time_zone'), try_cast(regexp_replace(${value}, '\\s+([+-]\\d\\d(:?\\d\\d)?)$', '\\1') as timestamptz))
    else try_cast(${value} as timestamp) end`;
}
