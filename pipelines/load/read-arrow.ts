import { open } from 'node:fs/promises';
import { BIGINT, DuckDBDataChunk, VARCHAR } from '@duckdb/node-api';
import { type DataType, type Decimal, RecordBatchReader, type Timestamp, Type, type Vector } from 'apache-arrow';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { withDuckDBConnection } from '../warehouse/dialect/duckdb-driver.js';
import { identifier } from '../warehouse/sql-text.js';

/**
 * An Arrow IPC file (file or stream format) as temp table `table`: one text column per field
 * and the record number as _line. Record batches are read one at a time and appended as data
 * chunks, so a large file never sits in memory whole.
 */
export async function readArrow(db: Kysely<Database>, path: string, table: string): Promise<void> {
  const file = await open(path);
  try {
    const reader = await RecordBatchReader.from(file)
      .then((opened) => opened.open())
      .catch((error: Error) => {
        throw new Error(`${path}: cannot read as Arrow IPC: ${error.message}`);
      });
    const fields = reader.schema.fields;
    await sql
      .raw(`create temp table ${table} (${fields.map((field) => `${identifier(field.name)} varchar`).join(', ')}, _line bigint)`)
      .execute(db);
    await withDuckDBConnection(db, async (connection) => {
      const appender = await connection.createAppender(table, 'main', 'temp');
      let line = 0;
      for await (const batch of reader) {
        // A data chunk holds at most 2,048 rows.
        for (let start = 0; start < batch.numRows; start += 2048) {
          const rows = Math.min(2048, batch.numRows - start);
          const chunk = DuckDBDataChunk.create([...fields.map(() => VARCHAR), BIGINT], rows);
          const lines = Array.from({ length: rows }, (_, index) => BigInt(line + start + index + 1));
          chunk.setColumns([...fields.map((field) => asText(batch.getChild(field.name)!, field.type, start, rows)), lines]);
          appender.appendDataChunk(chunk);
        }
        line += batch.numRows;
      }
      appender.flushSync();
      appender.closeSync();
    });
  } finally {
    await file.close();
  }
}

// Values become the text a CSV would hold, so that Arrow input is checked like every other input.
function asText(vector: Vector, type: DataType, start: number, count: number): Array<string | null> {
  const format = formatterFor(type);
  return Array.from({ length: count }, (_, index) => {
    const value: unknown = vector.get(start + index);
    return value === null || value === undefined ? null : format(value);
  });
}

function formatterFor(type: DataType): (value: unknown) => string {
  switch (type.typeId) {
    case Type.Timestamp:
      // With a time zone the value is an instant (converted to shop time on load); without, wall-clock time.
      return (value) => {
        const iso = new Date(Number(value)).toISOString();
        return (type as Timestamp).timezone ? iso : iso.replace('T', ' ').replace(/Z$/, '');
      };
    case Type.Date:
      return (value) => new Date(Number(value)).toISOString().slice(0, 10);
    case Type.Decimal:
      return (value: unknown) => withScale(String(value), (type as Decimal).scale);
    case Type.List:
    case Type.Struct:
    case Type.Map:
      return (value: unknown) => JSON.stringify(value, (_key, item: unknown) => (typeof item === 'bigint' ? item.toString() : item));
    default:
      return (value: unknown) => String(value);
  }
}

/** '-12345' with scale 2 → '-123.45'. */
function withScale(digits: string, scale: number): string {
  if (scale === 0) return digits;
  const negative = digits.startsWith('-');
  const magnitude = (negative ? digits.slice(1) : digits).padStart(scale + 1, '0');
  return `${negative ? '-' : ''}${magnitude.slice(0, -scale)}.${magnitude.slice(-scale)}`;
}
