import { createReadStream, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type Kysely, sql } from 'kysely';
import type pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import type { Database } from '../../warehouse/database.js';
import { relationColumns } from '../../warehouse/relation-columns.js';
import { identifier, literal } from '../../warehouse/sql-text.js';

// Column types each way. A DuckDB type with no PostgreSQL namesake of the same values (a list, a
// struct) fails the copy with its name rather than arriving changed.
const toPostgres: Array<[RegExp, (match: RegExpExecArray) => string]> = [
  [/^(VARCHAR|JSON|ENUM\(.*\))$/, () => 'text'],
  [/^(TINYINT|SMALLINT)$/, () => 'smallint'],
  [/^(INTEGER|USMALLINT)$/, () => 'integer'],
  [/^(BIGINT|UINTEGER)$/, () => 'bigint'],
  [/^(HUGEINT|UBIGINT)$/, () => 'numeric(38, 0)'],
  [/^DECIMAL\((\d+),\s*(\d+)\)$/, (match) => `numeric(${match[1]}, ${match[2]})`],
  [/^DOUBLE$/, () => 'float8'],
  [/^FLOAT$/, () => 'real'],
  [/^BOOLEAN$/, () => 'boolean'],
  [/^DATE$/, () => 'date'],
  [/^TIME$/, () => 'time'],
  [/^TIMESTAMP$/, () => 'timestamp'],
  [/^TIMESTAMP WITH TIME ZONE$/, () => 'timestamptz'],
  [/^INTERVAL$/, () => 'interval'],
];

// PostgreSQL's unconstrained numeric (arithmetic drops a numeric's precision) is what DuckDB makes
// of the same SQL, told by the most decimals a value has: none, a HUGEINT (a sum of integers); a
// few, a DECIMAL(38, s) (a sum or difference of amounts); more, a DOUBLE (an average has 16).
const toDuckDB: Array<[RegExp, (match: RegExpExecArray) => string]> = [
  [/^(text|character varying(\(\d+\))?|jsonb?)$/, () => 'VARCHAR'],
  [/^smallint$/, () => 'SMALLINT'],
  [/^integer$/, () => 'INTEGER'],
  [/^bigint$/, () => 'BIGINT'],
  [/^numeric\((\d+),(\d+)\)$/, (match) => `DECIMAL(${match[1]}, ${match[2]})`],
  [/^numeric:0$/, () => 'HUGEINT'],
  [/^numeric:([1-6])$/, (match) => `DECIMAL(38, ${match[1]})`],
  [/^(numeric:\d+|double precision)$/, () => 'DOUBLE'],
  [/^real$/, () => 'FLOAT'],
  [/^boolean$/, () => 'BOOLEAN'],
  [/^date$/, () => 'DATE'],
  [/^time without time zone$/, () => 'TIME'],
  [/^timestamp without time zone$/, () => 'TIMESTAMP'],
  [/^timestamp with time zone$/, () => 'TIMESTAMPTZ'],
  [/^interval$/, () => 'INTERVAL'],
];

function matchType(type: string, rules: Array<[RegExp, (match: RegExpExecArray) => string]>): string | undefined {
  for (const [pattern, mapped] of rules) {
    const match = pattern.exec(type);
    if (match) return mapped(match);
  }
  return undefined;
}

/** The PostgreSQL type that holds a DuckDB type's values; undefined for one that none does (a list, a struct). */
export function postgresTypeOf(duckdbType: string): string | undefined {
  return matchType(duckdbType, toPostgres);
}

function mapType(type: string, rules: Array<[RegExp, (match: RegExpExecArray) => string]>, relation: string, column: string): string {
  const mapped = matchType(type, rules);
  if (mapped === undefined) throw new Error(`${relation}.${column}: no type of the other engine holds a ${type}`);
  return mapped;
}

/** DuckDB's relation as the new PostgreSQL table `into`: written by DuckDB as CSV into `folder`, read by COPY. */
export async function copyToPostgres(
  duckdb: Kysely<Database>,
  client: pg.ClientBase,
  relation: string,
  into: string,
  folder: string,
): Promise<void> {
  const columns = (await relationColumns(duckdb, relation)) ?? [];
  const definition = columns.map((column) => `${identifier(column.name)} ${mapType(column.type, toPostgres, relation, column.name)}`);
  const file = join(folder, `${relation}.csv`);
  await sql.raw(`copy (select * from ${relation}) to ${literal(file)} (format csv, header false)`).execute(duckdb);
  await client.query(`create table ${into} (${definition.join(', ')})`);
  await pipeline(createReadStream(file), client.query(copyFrom(`copy ${into} from stdin (format csv)`)));
}

/** Rows of plain values appended to a PostgreSQL table by COPY, in the order of `names`. */
export async function copyRowsToPostgres(
  client: pg.ClientBase,
  relation: string,
  names: string[],
  rows: Array<Record<string, unknown>>,
): Promise<void> {
  const value = (cell: unknown) =>
    cell === null || cell === undefined ? '' : typeof cell === 'string' ? `"${cell.replaceAll('"', '""')}"` : String(cell);
  const lines = (function* () {
    for (const row of rows) yield `${names.map((name) => value(row[name])).join(',')}\n`;
  })();
  await pipeline(Readable.from(lines), client.query(copyFrom(`copy ${relation} from stdin (format csv)`)));
}

/** A PostgreSQL relation written to `file` as CSV, with the DuckDB type of each column, to read it back. */
export async function copyFromPostgres(
  client: pg.ClientBase,
  relation: string,
  file: string,
): Promise<Array<{ name: string; type: string }>> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute
     where attrelid = $1::regclass and attnum > 0 and not attisdropped order by attnum`,
    [relation],
  );
  const unconstrained = rows.filter((row) => row.type === 'numeric').map((row) => identifier(row.name));
  const scales =
    unconstrained.length === 0
      ? []
      : Object.values(
          (
            await client.query(
              `select ${unconstrained.map((name, index) => `coalesce(max(scale(${name})), 0) as scale_${index}`).join(', ')} from ${relation}`,
            )
          ).rows[0],
        );
  const columns = rows.map((row) => {
    const type = row.type === 'numeric' ? `numeric:${scales[unconstrained.indexOf(identifier(row.name))]}` : row.type;
    return { name: row.name, type: mapType(type, toDuckDB, relation, row.name) };
  });
  await pipeline(client.query(copyTo(`copy (select * from ${relation}) to stdout (format csv)`)), createWriteStream(file));
  return columns;
}

/** DuckDB's query of a file copyFromPostgres wrote: each value as PostgreSQL gave it, NULL apart from ''. */
export function readCopySql(file: string, columns: Array<{ name: string; type: string }>): string {
  const types = columns.map((column) => `${literal(column.name)}: ${literal(column.type)}`).join(', ');
  return `select * from read_csv(${literal(file)}, columns = {${types}}, header = false, auto_detect = false, allow_quoted_nulls = false, quote = '"', escape = '"', delim = ',')`;
}

/** The relation's pg_class kind ('r' a table, 'v' a view); undefined when there is none. */
export async function postgresRelationKind(client: pg.ClientBase, relation: string): Promise<string | undefined> {
  const { rows } = await client.query<{ kind: string }>('select relkind as kind from pg_class where oid = to_regclass($1)', [relation]);
  return rows[0]?.kind;
}

/** Drops the relation, table or view, if there is one, with what reads it. */
export async function dropRelation(client: pg.ClientBase, relation: string): Promise<void> {
  const kind = await postgresRelationKind(client, relation);
  if (kind === 'v') await client.query(`drop view ${relation} cascade`);
  else if (kind) await client.query(`drop table ${relation} cascade`);
}
