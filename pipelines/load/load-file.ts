import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { sql, type Kysely } from 'kysely';
import { crashPoint } from '../crash-point.js';
import type { Database } from '../warehouse/database.js';
import { detectFormat, detectTable, type InputFormat } from './detect-input.js';
import { detectableMappings, detectMapping, type InputMapping } from './input-mapping.js';

export interface LoadResult {
  path: string;
  table: string;
  /** csv, parquet or jsonl; `mapping:<name>` for a file read through a mapping. */
  format: string;
  skipped: boolean;
  /** Set when the file was loaded before: that load's file id. */
  fileId: number;
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  ignoredColumns: string[];
}

export interface LoadOptions {
  table?: string;
  mapping?: InputMapping;
  runId?: number;
}

interface ColumnSpec {
  name: string;
  type: string;
  required: boolean;
}

/**
 * Loads one canonical input file into raw.<table>. Every row read is either loaded or
 * quarantined with its line and reason, in one transaction; a file already loaded (same
 * content hash) is skipped.
 */
export async function loadFile(db: Kysely<Database>, path: string, options: LoadOptions = {}): Promise<LoadResult> {
  const absolute = resolve(path);
  if (isEmpty(absolute)) throw new Error(`${path}: the file is empty (not even a header line)`);
  const sourceFormat = options.mapping ? 'csv' : detectFormat(absolute);
  // A shop export is recognised by its header unless the caller named a mapping or a table.
  const mapping = options.mapping ?? (sourceFormat === 'csv' && !options.table ? detectMapping(await headerLine(absolute)) : undefined);
  const format = mapping ? `mapping:${mapping.name}` : sourceFormat;
  const tables = await rawTables(db);
  const table = options.table ?? mapping?.table ?? await tableFromName(absolute, [...tables.keys()], sourceFormat);
  const columns = tables.get(table);
  if (!columns) throw new Error(`${path}: unknown table '${table}' (known: ${[...tables.keys()].join(', ')})`);
  const hash = await hashFile(absolute);
  const known = await db.selectFrom('ops.loaded_files').selectAll().where('content_hash', '=', hash).executeTakeFirst();
  if (known) {
    return { path, table: known.table_name, format, skipped: true, fileId: known.file_id, rowsRead: known.rows_read, rowsLoaded: known.rows_loaded, rowsQuarantined: known.rows_quarantined, ignoredColumns: [] };
  }
  const decoded = mapping && !(await isUtf8File(absolute)) ? await decodeToUtf8(absolute, mapping.encoding) : undefined;
  return db.connection().execute(async (connection) => {
    await readIntoStaging(connection, decoded?.path ?? absolute, sourceFormat, mapping);
    try {
      const found = (await sql<{ name: string }>`select column_name as name from information_schema.columns where table_name = '_incoming' and column_name not in ('_line') order by ordinal_position`.execute(connection)).rows.map((row) => row.name);
      const missing = columns.filter((column) => column.required && !found.includes(column.name)).map((column) => column.name);
      if (missing.length > 0) {
        throw new Error(`${path}: not a ${table} file: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}\n  expected: ${columns.map((c) => c.name + (c.required ? '' : '?')).join(', ')}\n  found:    ${found.join(', ')}`);
      }
      const present = columns.filter((column) => found.includes(column.name));
      const ignoredColumns = found.filter((name) => !columns.some((column) => column.name === name));
      return await connection.transaction().execute(async (trx) => {
        const { file_id: fileId } = await trx.insertInto('ops.loaded_files').values({
          content_hash: hash, path: absolute, table_name: table, format, rows_read: 0, rows_loaded: 0, rows_quarantined: 0,
          run_id: options.runId ?? null, loaded_at: new Date(),
        }).returning('file_id').executeTakeFirstOrThrow();
        await sql.raw(`create temp table _checked as select *, ${rowProblems(present)} as _reason from _incoming`).execute(trx);
        await markBrokenRules(trx, present, await checkConstraints(trx, table));
        const loaded = await sql.raw(`insert into raw.${table} (${present.map((c) => c.name).join(', ')}, _file_id, _line)
          select ${present.map((c) => `cast(${quote(c.name)} as ${c.type})`).join(', ')}, ${fileId}, _line from _checked where _reason = ''`).execute(trx);
        const quarantined = await sql.raw(`insert into ops.quarantine
          select ${fileId}, '${absolute.replaceAll("'", "''")}', '${table}', _line, _reason, to_json(record)::varchar, now()::timestamp
          from (select _line, _reason, struct_pack(columns(* exclude (_line, _reason))) as record from _checked where _reason <> '')
          union all
          select ${fileId}, '${absolute.replaceAll("'", "''")}', '${table}', line, 'unreadable line: ' || error_message, to_json({line: csv_line})::varchar, now()::timestamp
          from _rejects`).execute(trx);
        crashPoint('load:inserted');
        const rowsLoaded = Number(loaded.numAffectedRows ?? 0);
        const rowsQuarantined = Number(quarantined.numAffectedRows ?? 0);
        await trx.updateTable('ops.loaded_files')
          .set({ rows_read: rowsLoaded + rowsQuarantined, rows_loaded: rowsLoaded, rows_quarantined: rowsQuarantined })
          .where('file_id', '=', fileId).execute();
        await sql`drop table _checked`.execute(trx);
        return { path, table, format, skipped: false, fileId, rowsRead: rowsLoaded + rowsQuarantined, rowsLoaded, rowsQuarantined, ignoredColumns };
      });
    } finally {
      decoded?.remove();
      await sql`drop table if exists _incoming; drop table if exists _rejects; drop table if exists _reject_scans; drop table if exists _fields; drop table if exists _lines; drop table if exists _records; drop table if exists _typed`.execute(connection);
    }
  });
}

/** raw.* columns with their types; `not null` columns are the required ones. */
async function rawTables(db: Kysely<Database>): Promise<Map<string, ColumnSpec[]>> {
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

// Everything is read as text first so that one bad value quarantines its row instead of failing the file.
async function readIntoStaging(db: Kysely<Database>, path: string, format: InputFormat, mapping: InputMapping | undefined): Promise<void> {
  await sql`create temp table _rejects (line bigint, csv_line varchar, error_message varchar)`.execute(db);
  if (mapping) {
    await readFields(db, path, mapping);
    const optional: Array<[string, string]> = [];
    for (const [column, expression] of Object.entries(mapping.optional_columns)) {
      const binds = await sql.raw(`select (${expression})::varchar from _fields limit 0`).execute(db).then(() => true, () => false);
      if (binds) optional.push([column, expression]);
    }
    const expressions = [...Object.entries(mapping.columns), ...optional].map(([column, expression]) => `(${expression})::varchar as ${quote(column)}`);
    await sql.raw(`create temp table _incoming as select ${expressions.join(', ')}, _line from _fields; drop table _fields`).execute(db).catch((error: Error) => {
      throw new Error(`mapping ${mapping.name}: ${error.message}`);
    });
  } else if (format === 'csv') {
    await readFields(db, path, { delimiter: ',', header: true });
    await sql`alter table _fields rename to _incoming`.execute(db);
  } else {
    const file = sqlString(path);
    const reader = format === 'parquet' ? `read_parquet(${file}, file_row_number = true)` : `read_json(${file}, format = 'newline_delimited')`;
    await sql.raw(`create temp table _typed as select * from ${reader}`).execute(db).catch((error: Error) => {
      throw new Error(`${path}: cannot read as ${format}: ${error.message}`);
    });
    const { rows } = await sql<{ name: string; type: string }>`
      select column_name as name, data_type as type from information_schema.columns
      where table_name = '_typed' and column_name <> 'file_row_number' order by ordinal_position`.execute(db);
    // A JSON field of mixed types arrives as JSON; its text is the value without JSON quoting.
    const asText = rows.map(({ name, type }) => `${type === 'JSON' ? `json_extract_string(${quote(name)}, '$')` : `${quote(name)}::varchar`} as ${quote(name)}`);
    const lineNumber = format === 'parquet' ? 'file_row_number + 1' : 'row_number() over ()';
    await sql.raw(`create temp table _incoming as select ${asText.join(', ')}, _line from (select *, ${lineNumber} as _line from _typed); drop table _typed`).execute(db);
  }
}

/**
 * A delimited text file as temp table _fields: one text column per field and the file line of
 * each record; lines that cannot be split go to _rejects.
 */
async function readFields(db: Kysely<Database>, path: string, layout: { delimiter: string; header: boolean; fields?: string[] }): Promise<void> {
  const file = sqlString(path);
  const firstLine = layout.header ? 2 : 1;
  if (layout.delimiter === 'whitespace') {
    // Runs of spaces and tabs separate fields: read whole lines and split them here.
    await sql.raw(`create temp table _lines as
      select row_number() over () + ${firstLine - 1} as _line, string_split_regex(regexp_replace(line, '^\\s+|\\s+$', '', 'g'), '\\s+') as parts
      from read_csv(${file}, columns = {'line': 'VARCHAR'}, header = ${layout.header}, delim = chr(31), quote = '', escape = '', auto_detect = false)`).execute(db);
    const names = layout.fields ?? await headerFields(db, path);
    await sql.raw(`insert into _rejects select _line, array_to_string(parts, ' '), 'expected ${names.length} fields, found ' || len(parts)
        from _lines where len(parts) <> ${names.length};
      create temp table _fields as select ${names.map((name, index) => `parts[${index + 1}] as ${quote(name)}`).join(', ')}, _line
        from _lines where len(parts) = ${names.length};
      drop table _lines`).execute(db);
    return;
  }
  const names = layout.fields ? `, names = [${layout.fields.map(sqlString).join(', ')}]` : '';
  await sql.raw(`create temp table _records as select row_number() over () as _record, *
    from read_csv(${file}, header = ${layout.header}, delim = ${sqlString(layout.delimiter)}${names}, all_varchar = true, strict_mode = true,
                  max_line_size = ${maxLineBytes}, buffer_size = ${2 * maxLineBytes},
                  store_rejects = true, rejects_table = '_csv_rejects', rejects_scan = '_reject_scans')`).execute(db).catch((error: Error) => {
    throw new Error(`${path}: cannot read as CSV: ${shorten(error.message)}`);
  });
  // DuckDB reports a short line once per missing column: keep the first report of each kind.
  await sql.raw(`insert into _rejects select line, any_value(csv_line), string_agg(error_message, '; ')
      from (select line, error_type, any_value(csv_line) as csv_line, arg_min(error_message, column_idx) as error_message from _csv_rejects group by all)
      group by line;
    drop table _csv_rejects;
    -- Data records fill the lines not taken by the header and by rejected lines, in order.
    create temp table _fields as
    with free_lines as (
      select line, row_number() over (order by line) as _record
      from range(${firstLine}, (select count(*) from _records) + (select count(*) from _rejects) + ${firstLine}) as lines(line)
      where line not in (select line from _rejects)
    )
    select _records.* exclude (_record), free_lines.line as _line
    from _records inner join free_lines using (_record);
    drop table _records`).execute(db);
}

async function headerFields(db: Kysely<Database>, path: string): Promise<string[]> {
  const { rows } = await sql.raw<{ line: string }>(`select line from read_csv(${sqlString(path)}, columns = {'line': 'VARCHAR'}, header = false,
    delim = chr(31), quote = '', escape = '', auto_detect = false) limit 1`).execute(db);
  return (rows[0]?.line ?? '').replace(/^\uFEFF/, '').trim().split(/\s+/);
}

// A line may be long (a product list, a long address), but a field over 64K characters is a
// broken export, not data: its row is quarantined. Longer lines than this fail the file.
const maxFieldLength = 65_536;
const maxLineBytes = 16 * 1024 * 1024;

function shorten(message: string): string {
  return message.length > 400 ? `${message.slice(0, 400)}… (${message.length.toLocaleString('en-US')} characters)` : message;
}

// A file neither named after a table nor recognised by its header: say what each layout needs.
async function tableFromName(path: string, tables: string[], format: InputFormat): Promise<string> {
  try {
    return detectTable(path, tables);
  } catch (error) {
    if (format !== 'csv') throw error;
    const layouts = detectableMappings().map((mapping) => `  ${mapping.name} needs: ${mapping.detect!.join(', ')}`);
    throw new Error(`${(error as Error).message}; nor is its header a known export layout\n  found:    ${(await headerLine(path)).join(', ')}\n${layouts.join('\n')}`);
  }
}

/** The first line's fields, for recognising an export: UTF-8 (BOM dropped) or else GBK. */
async function headerLine(path: string): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(65_536), 0, 65_536, 0);
    const bytes = buffer.subarray(0, bytesRead);
    const end = bytes.indexOf(0x0a);
    const line = bytes.subarray(0, end === -1 ? bytes.length : end);
    const text = isUtf8(line) ? line.toString('utf8') : iconv.decode(line, 'gbk');
    return text.replace(/^\uFEFF/, '').trim().split(',').map((field) => field.trim().replace(/^"(.*)"$/, '$1'));
  } finally {
    await handle.close();
  }
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

function isEmpty(path: string): boolean {
  const { size } = statSync(path);
  if (size > 64) return false;
  return readFileSync(path, 'utf8').replace(/^\uFEFF/, '').trim() === '';
}

/** The check constraints of raw.<table>, as SQL expressions over its columns. */
async function checkConstraints(db: Kysely<Database>, table: string): Promise<string[]> {
  const { rows } = await sql<{ expression: string }>`select expression from duckdb_constraints()
    where schema_name = 'raw' and table_name = ${table} and constraint_type = 'CHECK' order by constraint_index`.execute(db);
  return rows.map((row) => row.expression);
}

// Rows with the right types are checked against the table's rules on their typed values.
async function markBrokenRules(db: Kysely<Database>, columns: ColumnSpec[], rules: string[]): Promise<void> {
  const names = new Set(columns.map((column) => column.name));
  const applicable = rules.filter((rule) => [...rule.replace(/'[^']*'/g, '').matchAll(/[a-z_]+/g)].every(([word]) => names.has(word) || /^(and|or|not|in|is|null)$/.test(word)));
  if (applicable.length === 0) return;
  const broken = applicable.map((rule) => `case when not (${rule}) then 'breaks the rule ${rule.replace(/^\((.*)\)$/, '$1').replaceAll("'", "''")}' end`);
  await sql.raw(`update _checked set _reason = typed.reason
    from (select _line, concat_ws('; ', ${broken.join(', ')}) as reason
          from (select ${columns.map((column) => `try_cast(${quote(column.name)} as ${column.type}) as ${quote(column.name)}`).join(', ')}, _line
                from _checked where _reason = '')) as typed
    where typed._line = _checked._line and typed.reason <> ''`).execute(db);
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL expression listing what is wrong with a row ('' when nothing). */
function rowProblems(columns: ColumnSpec[]): string {
  const checks = columns.flatMap((column) => {
    const value = quote(column.name);
    const problems = [`case when ${value} is not null and try_cast(${value} as ${column.type}) is null
      then '${column.name}: ''' || left(${value}, 40) || ''' is not a ${column.type}' end`];
    if (column.required) problems.push(`case when ${value} is null or trim(${value}) = '' then '${column.name} is missing' end`);
    problems.push(`case when length(${value}) > ${maxFieldLength} then '${column.name}: ' || format('{:,}', length(${value})) || ' characters, more than ${maxFieldLength.toLocaleString('en-US')}' end`);
    return problems;
  });
  return `concat_ws('; ', ${checks.join(', ')})`;
}

function quote(identifier: string): string {
  return `"${identifier.replaceAll('"', '""')}"`;
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('error', reject).on('data', (chunk) => hash.update(chunk)).on('end', () => resolvePromise(hash.digest('hex')));
  });
}
