import { BIGINT, BOOLEAN, DOUBLE, DuckDBDataChunk, type DuckDBType, INTEGER, VARCHAR } from '@duckdb/node-api';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { withDuckDBConnection } from '../warehouse/dialect/duckdb-driver.js';
import { relationKind } from '../warehouse/relation-kind.js';
import { identifier, literal } from '../warehouse/sql-text.js';
import { toJsRow } from '../warehouse/to-js-value.js';
import type { ColumnType, ComputationResult, Row } from './computations/computation.js';
import { computations } from './computations/index.js';
import { type Model, modelQueryError } from './model.js';

/** The DuckDB type of each column type a computation declares. */
export const duckdbTypes: Record<ColumnType, DuckDBType> = {
  varchar: VARCHAR,
  boolean: BOOLEAN,
  integer: INTEGER,
  bigint: BIGINT,
  double: DOUBLE,
};

/**
 * Builds a model with `-- compute: <name>` as table `into`: its query gives the input rows, the
 * computation turns them into the table, with the parameters it names and (if it asks) the model's
 * table as the previous build left it. Runs on the build's connection. Returns the computation's note.
 */
export async function materializeComputed(db: Kysely<Database>, model: Model, into: string, query: string): Promise<string | null> {
  const computation = computations[model.compute!]!;
  const { rows, columns } = await withDuckDBConnection(db, async (connection) => {
    const reader = await connection.runAndReadAll(query).catch((error) => {
      throw modelQueryError(model.file, error, query, query);
    });
    return { rows: reader.getRowObjects().map(toJsRow) as Row[], columns: reader.columnNames() };
  });
  const previous = async () =>
    (await relationKind(db, model.schema, model.table)) === 'table'
      ? (await sql.raw<Row>(`select * from ${model.name}`).execute(db)).rows
      : undefined;
  const result = await runComputation(db, model, rows, columns, previous);
  const staged = `_computed_${model.schema}_${model.table}`;
  await writeRows(db, staged, computation.output, result.rows);
  await sql.raw(`create or replace table ${into} as select * from ${staged}; drop table ${staged}`).execute(db);
  return result.note;
}

/**
 * The computation of `model` run on its query's `rows` (of `columns`), with the parameters it names
 * (DuckDB's variables of the build session `db`) and, if it reads them, the rows `previous` gives.
 */
export async function runComputation(
  db: Kysely<Database>,
  model: Model,
  rows: Row[],
  columns: string[],
  previous: () => Promise<Row[] | undefined>,
): Promise<ComputationResult> {
  const computation = computations[model.compute!]!;
  const missing = computation.input.filter((column) => !columns.includes(column));
  if (missing.length > 0) throw new Error(`computation ${model.compute} needs the column(s) ${missing.join(', ')} from the model's SQL`);
  const parameters: Record<string, unknown> = {};
  for (const name of computation.parameterNames) {
    const { rows: values } = await sql.raw<{ value: unknown }>(`select getvariable(${literal(name)}) as value`).execute(db);
    parameters[name] = values[0]?.value ?? null;
  }
  return computation.run({ rows, parameters, previous: computation.readsPrevious ? await previous() : undefined });
}

// Appended as data chunks (at most 2,048 rows each) to a temp table of the declared types.
async function writeRows(db: Kysely<Database>, table: string, output: Readonly<Record<string, ColumnType>>, rows: Row[]) {
  const names = Object.keys(output);
  const types = names.map((name) => output[name]!);
  await sql
    .raw(`create or replace temp table ${table} (${names.map((name, index) => `${identifier(name)} ${types[index]}`).join(', ')})`)
    .execute(db);
  for (const row of rows) {
    const absent = names.filter((name) => row[name] === undefined);
    if (absent.length > 0) throw new Error(`the computation gave a row without ${absent.join(', ')}`);
  }
  await withDuckDBConnection(db, async (connection) => {
    const appender = await connection.createAppender(table, 'main', 'temp');
    for (let start = 0; start < rows.length; start += 2048) {
      const chunkRows = rows.slice(start, start + 2048);
      const chunk = DuckDBDataChunk.create(
        types.map((type) => duckdbTypes[type]),
        chunkRows.length,
      );
      chunk.setColumns(
        names.map((name, index) =>
          chunkRows.map((row) => {
            const value = row[name] ?? null;
            return types[index] === 'bigint' && value !== null ? BigInt(value as number) : (value as string | number | boolean | null);
          }),
        ),
      );
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
    appender.closeSync();
  });
}
