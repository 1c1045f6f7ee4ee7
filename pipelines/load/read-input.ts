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

/** A delimited text file as temp table `fields`; lines that cannot be split go to `rejects`. */
async function readFields(
  db: Kysely<Database>,
  path: string,
  layout: { delimiter: string; header: boolean; fields?: string[] },
): Promise<void> {
  const file = literal(path);
  const firstLine = layout.header ? 2 : 1;
  if (layout.delimiter === 'whitespace') {
    // Runs of spaces and tabs separate fields: read whole lines and split them here.
    await sql
      .raw(`create temp table ${temp.lines} as
      select row_number() over () + ${firstLine - 1} as _line, string_split_regex(regexp_replace(line, '^\\s+|\\s+$', '', 'g'), '\\s+') as parts
      from read_csv(${file}, columns = {'line': 'VARCHAR'}, header = ${layout.header}, delim = chr(31), quote = '', escape = '', auto_detect = false)`)
      .execute(db);
    const names = layout.fields ?? (await headerFields(db, path));
    await sql
      .raw(`insert into ${temp.rejects} select _line, array_to_string(parts, ' '), 'expected ${names.length} fields, found ' || len(parts)
        from ${temp.lines} where len(parts) <> ${names.length};
      create temp table ${temp.fields} as select ${names.map((name, index) => `parts[${index + 1}] as ${identifier(name)}`).join(', ')}, _line
        from ${temp.lines} where len(parts) = ${names.length};
      drop table ${temp.lines}`)
      .execute(db);
    return;
  }
  const names = layout.fields ? `, names = [${layout.fields.map(literal).join(', ')}]` : '';
  await sql
    .raw(`create temp table ${temp.records} as select *, row_number() over () + ${firstLine - 1} as _line
    from read_csv(${file}, header = ${layout.header}, delim = ${literal(layout.delimiter)}${names}, all_varchar = true, strict_mode = true,
                  max_line_size = ${maxLineBytes}, buffer_size = ${2 * maxLineBytes},
                  store_rejects = true, rejects_table = ${literal(temp.csvRejects)}, rejects_scan = ${literal(temp.rejectScans)})`)
    .execute(db)
    .catch((error: Error) => {
      throw new Error(`${path}: cannot read as CSV: ${shorten(error.message)}`);
    });
  // DuckDB reports a short line once per missing column: keep the first report of each kind.
  await sql
    .raw(`insert into ${temp.rejects} select line, any_value(csv_line), string_agg(error_message, '; ')
      from (select line, error_type, any_value(csv_line) as csv_line, arg_min(error_message, column_idx) as error_message from ${temp.csvRejects} group by all)
      group by line;
    drop table ${temp.csvRejects}`)
    .execute(db);
  const { rows } = await sql.raw<{ n: number }>(`select count(*) as n from ${temp.rejects}`).execute(db);
  if (rows[0]!.n === 0) {
    // Then the k-th record is on the k-th line after the header.
    await sql.raw(`alter table ${temp.records} rename to ${temp.fields}`).execute(db);
    return;
  }
  // Else the records fill the lines not taken by the header and by rejected lines, in order.
  await sql
    .raw(`create temp table ${temp.fields} as
    with free_lines as (
      select line, row_number() over (order by line) + ${firstLine - 1} as record_line
      from range(${firstLine}, (select count(*) from ${temp.records}) + (select count(*) from ${temp.rejects}) + ${firstLine}) as lines(line)
      where line not in (select line from ${temp.rejects})
    )
    select ${temp.records}.* exclude (_line), free_lines.line as _line
    from ${temp.records} inner join free_lines on free_lines.record_line = ${temp.records}._line;
    drop table ${temp.records}`)
    .execute(db);
}

async function headerFields(db: Kysely<Database>, path: string): Promise<string[]> {
  const { rows } = await sql
    .raw<{ line: string }>(`select line from read_csv(${literal(path)}, columns = {'line': 'VARCHAR'}, header = false,
    delim = chr(31), quote = '', escape = '', auto_detect = false) limit 1`)
    .execute(db);
  return (rows[0]?.line ?? '')
    .replace(/^\uFEFF/, '')
    .trim()
    .split(/\s+/);
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
  const dir = mkdtempSync(join(tmpdir(), 'warehouse-decoded-'));
  const target = join(dir, basename(path));
  await pipeline(createReadStream(path), iconv.decodeStream(encoding), iconv.encodeStream('utf8'), createWriteStream(target));
  return { path: target, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
