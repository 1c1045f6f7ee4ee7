import { isUtf8 } from 'node:buffer';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { identifier, literal } from '../warehouse/sql-text.js';
import type { InputFormat } from './detect-input.js';
import { findRecords } from './find-records.js';
import type { InputMapping } from './input-mapping.js';
import { readArrow } from './read-arrow.js';
import { temp } from './temp-tables.js';

// Longer lines than this fail the file (a field over 64K characters only quarantines its row).
const maxLineBytes = 16 * 1024 * 1024;

/**
 * Reads a file into temp table `fields`, everything as text so that one bad value quarantines its
 * row instead of failing the file, with each record's file line as _line; lines that cannot be
 * split go to `rejects`. A mapped file that is not UTF-8 is decoded first (line numbers kept).
 */
export async function readInput(db: Kysely<Database>, path: string, format: InputFormat, mapping: InputMapping | undefined): Promise<void> {
  await sql.raw(`create temp table ${temp.rejects} (line bigint, csv_line varchar, error_message varchar)`).execute(db);
  if (mapping) {
    const decoded = (await isUtf8File(path)) ? undefined : await decodeToUtf8(path, mapping.encoding);
    try {
      await readFields(db, decoded?.path ?? path, mapping);
    } finally {
      decoded?.remove();
    }
  } else if (format === 'csv') await readFields(db, path, { delimiter: ',', header: true });
  else if (format === 'arrow') await readArrow(db, path, temp.fields);
  else {
    const file = literal(path);
    const reader =
      format === 'parquet' ? `read_parquet(${file}, file_row_number = true)` : `read_json(${file}, format = 'newline_delimited')`;
    await sql
      .raw(`create temp table ${temp.typed} as select * from ${reader}`)
      .execute(db)
      .catch((error: Error) => {
        throw new Error(`${path}: cannot read as ${format}: ${error.message}`);
      });
    const { rows } = await sql<{ name: string; type: string }>`
      select column_name as name, data_type as type from information_schema.columns
      where table_name = ${temp.typed} and column_name <> 'file_row_number' order by ordinal_position`.execute(db);
    // A JSON field of mixed types arrives as JSON; its text is the value without JSON quoting.
    const asText = rows.map(
      ({ name, type }) =>
        `${type === 'JSON' ? `json_extract_string(${identifier(name)}, '$')` : `${identifier(name)}::varchar`} as ${identifier(name)}`,
    );
    const lineNumber = format === 'parquet' ? 'file_row_number + 1' : 'row_number() over ()';
    await sql
      .raw(`create temp table ${temp.fields} as select ${asText.join(', ')}, _line from (select *, ${lineNumber} as _line from ${temp.typed});
      drop table ${temp.typed}`)
      .execute(db);
  }
}

/** The rows of one table as temp table `incoming`: the fields themselves, or the mapping's expressions over them. */
export async function selectRows(db: Kysely<Database>, table: string, mapping: InputMapping | undefined): Promise<void> {
  if (!mapping) {
    await sql.raw(`alter table ${temp.fields} rename to ${temp.incoming}`).execute(db);
    return;
  }
  const { columns, optional_columns: optionalColumns, rows } = mapping.tables[table]!;
  const optional: Array<[string, string]> = [];
  for (const [column, expression] of Object.entries(optionalColumns)) {
    const binds = await sql
      .raw(`select (${expression})::varchar from ${temp.fields} limit 0`)
      .execute(db)
      .then(
        () => true,
        () => false,
      );
    if (binds) optional.push([column, expression]);
  }
  const expressions = [...Object.entries(columns), ...optional].map(
    ([column, expression]) => `(${expression})::varchar as ${identifier(column)}`,
  );
  // Columns and the row condition are computed over all records, so either may use window functions.
  await sql
    .raw(`create temp table ${temp.incoming} as select * exclude (_keep) from (
      select ${expressions.join(', ')}, _line, coalesce((${rows ?? 'true'}), false) as _keep from ${temp.fields}
    ) where _keep`)
    .execute(db)
    .catch((error: Error) => {
      throw new Error(`mapping ${mapping.name}${Object.keys(mapping.tables).length > 1 ? ` (${table})` : ''}: ${error.message}`);
    });
}

/** How many records of `fields` are rows of none of the mapping's tables: their `rows` conditions all leave them out. */
export async function countUnmatched(db: Kysely<Database>, mapping: InputMapping): Promise<number> {
  const conditions = Object.values(mapping.tables).map((table) => table.rows);
  if (conditions.some((condition) => condition === undefined)) return 0;
  const { rows } = await sql
    .raw<{ unmatched: number }>(`select count(*) filter (where not _matched) as unmatched
    from (select ${conditions.map((condition) => `coalesce((${condition}), false)`).join(' or ')} as _matched from ${temp.fields})`)
    .execute(db)
    .catch((error: Error) => {
      throw new Error(`mapping ${mapping.name}: ${error.message}`);
    });
  return rows[0]!.unmatched;
}

/**
 * A delimited text file as temp table `fields`; lines that cannot be split go to `rejects`. Quoted
 * fields (`"`, doubled inside) may hold delimiters and line breaks; a line whose quotes do not
 * balance is rejected on its own (find-records.ts). A file without quotes and blank lines has one
 * record per line, and DuckDB reads it as it is; any other is first read line by line to find the
 * line each record begins on, and the lines it cannot read are left out of what DuckDB reads.
 */
async function readFields(
  db: Kysely<Database>,
  path: string,
  layout: { delimiter: string; header: boolean; fields?: string[] },
): Promise<void> {
  const firstLine = layout.header ? 2 : 1;
  if (layout.delimiter === 'whitespace') {
    // Runs of spaces and tabs separate fields: read whole lines and split them here.
    await readLines(db, path);
    const names = layout.fields ?? (await headerFields(db));
    await sql
      .raw(`create temp table ${temp.records} as
      select _line, string_split_regex(regexp_replace(text, '^\\s+|\\s+$', '', 'g'), '\\s+') as parts
      from ${temp.lines} where _line >= ${firstLine} and text is not null;
      insert into ${temp.rejects} select _line, array_to_string(parts, ' '), 'expected ${names.length} fields, found ' || len(parts)
        from ${temp.records} where len(parts) <> ${names.length};
      create temp table ${temp.fields} as select ${names.map((name, index) => `parts[${index + 1}] as ${identifier(name)}`).join(', ')}, _line
        from ${temp.records} where len(parts) = ${names.length};
      drop table ${temp.records}; drop table ${temp.lines}`)
      .execute(db);
    return;
  }
  if (await hasOneRecordPerLine(path)) {
    await readRecords(db, path, layout, false);
    return;
  }
  await readLines(db, path);
  await findRecords(db, layout.delimiter, firstLine);
  const { rows } = await sql
    .raw<{ every_line: boolean; one_line_each: boolean }>(`select
      (select count(*) from ${temp.recordLines}) = (select count(*) from ${temp.lines}) and not exists (select 1 from ${temp.rejects}) as every_line,
      (select bool_and(_starts) from ${temp.recordLines}) as one_line_each`)
    .execute(db);
  const { every_line: everyLine, one_line_each: oneLineEach } = rows[0]!;
  // Every line a record of its own, as DuckDB reads them: row n is line n.
  if (everyLine && oneLineEach) {
    await sql.raw(`drop table ${temp.lines}; drop table ${temp.recordLines}`).execute(db);
    await readRecords(db, path, layout, false);
    return;
  }
  await sql
    .raw(`create temp table ${temp.rowLines} as
    select row_number() over (order by _line) as _row, _line from ${temp.recordLines} where _starts`)
    .execute(db);
  // Lines left out (unreadable, blank): DuckDB reads a copy of the lines that make up records.
  const records = everyLine ? undefined : tempFile(path);
  try {
    if (records)
      await sql
        .raw(`copy (select text from ${temp.lines} inner join ${temp.recordLines} using (_line) order by _line)
        to ${literal(records.path)} (format csv, header false, quote '', escape '', delimiter '')`)
        .execute(db);
    await sql.raw(`drop table ${temp.lines}; drop table ${temp.recordLines}`).execute(db);
    await readRecords(db, records?.path ?? path, layout, true);
  } finally {
    records?.remove();
  }
  await sql.raw(`drop table ${temp.rowLines}`).execute(db);
}

/**
 * DuckDB's CSV reader into temp table `fields`, with each record's line: the k-th row that no
 * rejected row takes, counted from the header's row; `rowLines` says on which line of the file
 * each row begins, else row n is line n. Rejected rows go to `rejects`.
 */
async function readRecords(
  db: Kysely<Database>,
  path: string,
  layout: { delimiter: string; header: boolean; fields?: string[] },
  rowLines: boolean,
): Promise<void> {
  const firstRow = layout.header ? 2 : 1;
  const names = layout.fields ? `, names = [${layout.fields.map(literal).join(', ')}]` : '';
  await sql
    .raw(`create temp table ${temp.records} as select *, row_number() over () + ${firstRow - 1} as _line
    from read_csv(${literal(path)}, header = ${layout.header}, delim = ${literal(layout.delimiter)}, quote = '"', escape = '"'${names},
                  all_varchar = true, strict_mode = true, max_line_size = ${maxLineBytes}, buffer_size = ${2 * maxLineBytes},
                  store_rejects = true, rejects_table = ${literal(temp.csvRejects)}, rejects_scan = ${literal(temp.rejectScans)})`)
    .execute(db)
    .catch((error: Error) => {
      throw new Error(`${path}: cannot read as CSV: ${shorten(error.message)}`);
    });
  await placeRecords(db, firstRow);
  if (!rowLines) {
    await sql
      .raw(`alter table ${temp.records} rename to ${temp.fields};
      insert into ${temp.rejects} select line, csv_line, error_message from ${temp.readRejects};
      drop table ${temp.readRejects}`)
      .execute(db);
    return;
  }
  // Every row DuckDB read begins on a line of rowLines, or some record would lose its line.
  const { rows } = await sql
    .raw<{
      read: number;
      expected: number;
    }>(`select (select count(*) from ${temp.records}) + (select count(*) from ${temp.readRejects}) as read,
      (select count(*) from ${temp.rowLines}) - ${firstRow - 1} as expected`)
    .execute(db);
  if (rows[0]!.read !== rows[0]!.expected)
    throw new Error(`${path}: DuckDB read ${rows[0]!.read} records where the lines hold ${rows[0]!.expected}; cannot tell their lines`);
  await sql
    .raw(`create temp table ${temp.fields} as
    select ${temp.records}.* exclude (_line), ${temp.rowLines}._line
    from ${temp.records} inner join ${temp.rowLines} on ${temp.rowLines}._row = ${temp.records}._line;
    insert into ${temp.rejects} select ${temp.rowLines}._line, csv_line, error_message
    from ${temp.readRejects} inner join ${temp.rowLines} on ${temp.rowLines}._row = ${temp.readRejects}.line;
    drop table ${temp.records}; drop table ${temp.readRejects}`)
    .execute(db);
}

/**
 * The rows of DuckDB's last CSV read that it rejected, as temp table `readRejects`, and the rows of
 * `records` renumbered around them: the records fill the rows from `firstRow` that no rejected
 * row takes, in order.
 */
async function placeRecords(db: Kysely<Database>, firstRow: number): Promise<void> {
  // DuckDB reports a short line once per missing column: keep the first report of each kind.
  await sql
    .raw(`create temp table ${temp.readRejects} as select line, any_value(csv_line) as csv_line, string_agg(error_message, '; ') as error_message
      from (select line, error_type, any_value(csv_line) as csv_line, arg_min(error_message, column_idx) as error_message from ${temp.csvRejects} group by all)
      group by line;
    drop table ${temp.csvRejects}`)
    .execute(db);
  const { rows } = await sql.raw<{ n: number }>(`select count(*) as n from ${temp.readRejects}`).execute(db);
  if (rows[0]!.n === 0) return;
  await sql
    .raw(`create temp table ${temp.placed} as
    with free_rows as (
      select row, row_number() over (order by row) + ${firstRow - 1} as record_row
      from range(${firstRow}, (select count(*) from ${temp.records}) + (select count(*) from ${temp.readRejects}) + ${firstRow}) as rows(row)
      where row not in (select line from ${temp.readRejects})
    )
    select ${temp.records}.* exclude (_line), free_rows.row as _line
    from ${temp.records} inner join free_rows on free_rows.record_row = ${temp.records}._line;
    drop table ${temp.records};
    alter table ${temp.placed} rename to ${temp.records}`)
    .execute(db);
}

/**
 * Every line of a text file as temp table `lines` (`_line`, `text`; NULL for a blank line), as
 * DuckDB splits lines (\n or \r\n); a line it cannot read (not UTF-8) goes to `rejects`.
 */
async function readLines(db: Kysely<Database>, path: string): Promise<void> {
  await sql
    .raw(`create temp table ${temp.records} as select text, row_number() over () as _line
    from read_csv(${literal(path)}, columns = {'text': 'VARCHAR'}, header = false, delim = '', quote = '', escape = '', auto_detect = false,
                  strict_mode = true, max_line_size = ${maxLineBytes}, buffer_size = ${2 * maxLineBytes},
                  store_rejects = true, rejects_table = ${literal(temp.csvRejects)}, rejects_scan = ${literal(temp.rejectScans)})`)
    .execute(db)
    .catch((error: Error) => {
      throw new Error(`${path}: cannot read as text: ${shorten(error.message)}`);
    });
  await placeRecords(db, 1);
  await sql
    .raw(`alter table ${temp.records} rename to ${temp.lines};
    insert into ${temp.rejects} select line, csv_line, error_message from ${temp.readRejects};
    drop table ${temp.readRejects}`)
    .execute(db);
}

/** The header's names: the first line split at runs of spaces and tabs. */
async function headerFields(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql.raw<{ text: string | null }>(`select text from ${temp.lines} where _line = 1`).execute(db);
  return (rows[0]?.text ?? '')
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\s+/);
}

/** Whether every line of the file is one record: it has no quote (so no quoted line break) and no blank line (which DuckDB skips). */
async function hasOneRecordPerLine(path: string): Promise<boolean> {
  // A blank line is a line break at the start or right after another; `edge` joins the end of the
  // chunk before to the start of this one, so that one across two chunks is seen too.
  const blank = [Buffer.from('\n\n'), Buffer.from('\n\r\n')];
  let tail: Buffer = Buffer.from('\n');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    const edge = Buffer.concat([tail, bytes.subarray(0, 2)]);
    if (bytes.includes(0x22) || blank.some((lines) => bytes.includes(lines) || edge.includes(lines))) return false;
    tail = bytes.subarray(-2);
  }
  return true;
}

function shorten(message: string): string {
  return message.length > 400 ? `${message.slice(0, 400)}… (${message.length.toLocaleString('en-US')} characters)` : message;
}

/** The first line's fields, for recognising an export: UTF-8 (BOM dropped) or else GBK. */
export async function headerLine(path: string): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(65_536), 0, 65_536, 0);
    const bytes = buffer.subarray(0, bytesRead);
    const end = bytes.indexOf(0x0a);
    const line = bytes.subarray(0, end === -1 ? bytes.length : end);
    const text = isUtf8(line) ? line.toString('utf8') : iconv.decode(line, 'gbk');
    return text
      .replace(/^\uFEFF/, '')
      .trim()
      .split(',')
      .map((field) => field.trim().replace(/^"(.*)"$/, '$1'));
  } finally {
    await handle.close();
  }
}

export function isEmpty(path: string): boolean {
  const { size } = statSync(path);
  if (size > 64) return false;
  return (
    readFileSync(path, 'utf8')
      .replace(/^\uFEFF/, '')
      .trim() === ''
  );
}

async function isUtf8File(path: string): Promise<boolean> {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    for await (const chunk of createReadStream(path)) decoder.decode(chunk as Buffer, { stream: true });
    decoder.decode();
    return true;
  } catch {
    return false;
  }
}

// Same lines in UTF-8, so that line numbers in the quarantine still point into the original.
async function decodeToUtf8(path: string, encoding: string): Promise<{ path: string; remove(): void }> {
  const target = tempFile(path);
  await pipeline(createReadStream(path), iconv.decodeStream(encoding), iconv.encodeStream('utf8'), createWriteStream(target.path));
  return target;
}

/** A path for a file standing in for `path` (same name, in a new temporary folder), and how to remove it. */
function tempFile(path: string): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'warehouse-read-'));
  return { path: join(dir, basename(path)), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
