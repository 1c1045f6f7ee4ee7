import { createReadStream, readFileSync, statSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { cut } from '../quoted.js';
import type { Database } from '../warehouse/database.js';
import { withDuckDBConnection } from '../warehouse/dialect/duckdb-driver.js';
import { identifier, literal } from '../warehouse/sql-text.js';
import type { CheckedMapping } from './check-mapping-expressions.js';
import type { InputFormat } from './detect-input.js';
import { findRecords } from './find-records.js';
import type { InputMapping } from './input-mapping.js';
import { copyRows, inMappingSandbox } from './mapping-sandbox.js';
import { readArrow } from './read-arrow.js';
import { tempFile } from './temp-file.js';
import { temp } from './temp-tables.js';
import { asUtf8, headText } from './text-encoding.js';

// Longer lines than this fail the file (a field over 64K characters only quarantines its row).
const maxLineBytes = 16 * 1024 * 1024;

/**
 * Reads a file into temp table `fields`, everything as text so that one bad value quarantines its
 * row instead of failing the file, with each record's file line as _line; lines that cannot be
 * split go to `rejects`. A text file not in UTF-8 is decoded first (line numbers kept), or refused
 * (text-encoding.ts); so is a file holding U+FFFD.
 */
export async function readInput(db: Kysely<Database>, path: string, format: InputFormat, mapping: InputMapping | undefined): Promise<void> {
  await sql.raw(`create temp table ${temp.rejects} (line bigint, csv_line varchar, error_message varchar)`).execute(db);
  if (mapping || format === 'csv') {
    const decoded = await asUtf8(path, mapping);
    try {
      // Errors name the file as given, not a decoded copy.
      await readFields(db, decoded?.path ?? path, mapping ?? { delimiter: ',', header: true }).catch((error: Error) => {
        throw new Error(`${path}: ${error.message}`);
      });
    } finally {
      decoded?.remove();
    }
    return;
  }
  if (format === 'arrow') await readArrow(db, path, temp.fields);
  else {
    const file = literal(path);
    const reader =
      format === 'parquet' ? `read_parquet(${file}, file_row_number = true)` : `read_json(${file}, format = 'newline_delimited')`;
    await sql
      .raw(`create temp table ${temp.typed} as select * from ${reader}`)
      .execute(db)
      .catch((error: Error) => {
        throw new Error(`${path}: cannot read as ${format}: ${readerMessage(error)}`);
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
  const { rows } = await sql
    .raw<{ line: number }>(
      `select _line as line from ${temp.fields} where contains(concat_ws('', *columns(* exclude (_line))), '\uFFFD') limit 1`,
    )
    .execute(db);
  if (rows.length > 0)
    throw new Error(
      `${path}: record ${rows[0]!.line} holds U+FFFD (�), where characters were lost in an earlier conversion: export the file again from the shop`,
    );
}

/**
 * The rows of one table as temp table `incoming`: the fields themselves, or the mapping's checked
 * expressions over them, computed in the mapping sandbox.
 */
export async function selectRows(db: Kysely<Database>, table: string, mapping: CheckedMapping | undefined): Promise<void> {
  if (!mapping) {
    await sql.raw(`alter table ${temp.fields} rename to ${temp.incoming}`).execute(db);
    return;
  }
  const { columns, rows } = mapping.tables[table]!;
  const expressions = Object.entries(columns).map(([column, expression]) => `(${expression})::varchar as ${identifier(column)}`);
  // Columns and the row condition are computed over all records, so either may use window functions.
  const query = `select * exclude (_keep) from (
    select ${expressions.join(', ')}, _line, coalesce((${rows ?? 'true'}), false) as _keep from ${temp.fields}
  ) where _keep`;
  await inMappingSandbox(db, (sandbox) =>
    withDuckDBConnection(db, (connection) => copyRows(sandbox, query, connection, temp.incoming)),
  ).catch((error: Error) => {
    throw new Error(`mapping ${mapping.name}${Object.keys(mapping.tables).length > 1 ? ` (${table})` : ''}: ${error.message}`);
  });
}

/** How many records of `fields` are rows of none of the mapping's tables: their `rows` conditions all leave them out. */
export async function countUnmatched(db: Kysely<Database>, mapping: CheckedMapping): Promise<number> {
  const conditions = Object.values(mapping.tables).map((table) => table.rows);
  if (conditions.some((condition) => condition === undefined)) return 0;
  const query = `select count(*) filter (where not _matched) as unmatched
    from (select ${conditions.map((condition) => `coalesce((${condition}), false)`).join(' or ')} as _matched from ${temp.fields})`;
  return inMappingSandbox(db, async (sandbox) => Number((await sandbox.runAndReadAll(query)).getRows()[0]![0])).catch((error: Error) => {
    throw new Error(`mapping ${mapping.name}: ${error.message}`);
  });
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
  const fieldCount = layout.header ? undefined : layout.fields?.length;
  if (await hasOneRecordPerLine(path, layout.delimiter, fieldCount)) {
    await readRecords(db, path, layout, false);
    return;
  }
  await readLines(db, path);
  await findRecords(db, layout.delimiter, firstLine, fieldCount);
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
      throw new Error(`cannot read as CSV: ${readerMessage(error)}`);
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
    throw new Error(`DuckDB read ${rows[0]!.read} records where the lines hold ${rows[0]!.expected}; cannot tell their lines`);
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
      throw new Error(`cannot read as text: ${readerMessage(error)}`);
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

/**
 * Whether DuckDB can read the file as it is, one record per line: it has no quote (so no quoted
 * line break), no blank line (which DuckDB skips), and every line has the header's number of
 * fields, or `fieldCount` (DuckDB takes a line with extra empty fields at its end for a whole
 * record). A delimiter of more than one byte is left to find-records.ts.
 */
async function hasOneRecordPerLine(path: string, delimiter: string, fieldCount: number | undefined): Promise<boolean> {
  const [separator, ...more] = Buffer.from(delimiter);
  if (more.length > 0) return false;
  let expected = fieldCount;
  let fields = 1;
  let blank = true;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    for (let index = 0; index < bytes.length; index++) {
      const byte = bytes[index];
      if (byte === 0x22) return false;
      if (byte === 0x0a) {
        expected ??= fields;
        if (blank || fields !== expected) return false;
        fields = 1;
        blank = true;
      } else if (byte !== 0x0d) {
        blank = false;
        if (byte === separator) fields++;
      }
    }
  }
  return blank || fields === (expected ?? fields);
}

/** The first line of a reader's message (DuckDB adds the options it read with), its quoted text cut. */
function readerMessage(error: Error): string {
  return cut(error.message.split('\n')[0]!);
}

/** The first line's fields, for recognising an export (text-encoding.ts says how it is decoded), each cut for messages. */
export async function headerLine(path: string): Promise<string[]> {
  return (await headText(path))
    .split('\n', 1)[0]!
    .replace(/^\uFEFF/, '')
    .trim()
    .split(',')
    .map((field) => cut(field.trim().replace(/^"(.*)"$/, '$1')));
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
