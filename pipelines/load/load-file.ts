import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import iconv from 'iconv-lite';
import { sql, type Kysely } from 'kysely';
import { loadConfig } from '../config.js';
import { crashPoint } from '../crash-point.js';
import type { Database } from '../warehouse/database.js';
import { detectFormat, detectTable, type InputFormat } from './detect-input.js';
import { detectableMappings, detectMapping, type InputMapping } from './input-mapping.js';
import { readArrow } from './read-arrow.js';

export interface LoadResult {
  path: string;
  table: string;
  /** csv, parquet, jsonl or arrow; `mapping:<name>` for a file read through a mapping. */
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
  /** The container format, when the file's extension does not say it (or says it wrongly). */
  format?: InputFormat;
  mapping?: InputMapping;
  runId?: number;
  /** Where parameters.csv gives the shop time zone that timestamps with an offset are converted to. */
  seedsDir?: string;
}

interface ColumnSpec {
  name: string;
  type: string;
  required: boolean;
}

/**
 * Loads one input file into the raw tables it feeds: one for a canonical file, one or more for
 * a shop export read through a mapping (a Shopify export feeds orders and order_items). For each
 * table, every row read is either loaded or quarantined with its line and reason, in one
 * transaction; a file already loaded into a table (same content hash) is skipped there.
 */
export async function loadFile(db: Kysely<Database>, path: string, options: LoadOptions = {}): Promise<LoadResult[]> {
  const absolute = resolve(path);
  if (isEmpty(absolute)) throw new Error(`${path}: the file is empty (not even a header line)`);
  const sourceFormat = options.mapping ? 'csv' : options.format ?? detectFormat(absolute);
  // A shop export is recognised by its header unless the caller named a mapping, a format or a table.
  const recognise = sourceFormat === 'csv' && !options.table && !options.format;
  const mapping = options.mapping ?? (recognise ? detectMapping(await headerLine(absolute)) : undefined);
  const format = mapping ? `mapping:${mapping.name}` : sourceFormat;
  const tables = await rawTables(db);
  const targets = mapping ? Object.keys(mapping.tables) : [options.table ?? await tableFromName(absolute, [...tables.keys()], sourceFormat)];
  const unknown = targets.filter((table) => !tables.has(table));
  if (unknown.length > 0) throw new Error(`${path}: unknown table '${unknown.join("', '")}' (known: ${[...tables.keys()].join(', ')})`);
  const hash = await hashFile(absolute);
  const known = await db.selectFrom('ops.loaded_files').selectAll().where('content_hash', '=', hash).execute();
  const skipped = (table: string) => known.find((file) => file.table_name === table);
  const pending = targets.filter((table) => !skipped(table));
  const loaded = pending.length === 0 ? [] : await loadTables(db, { path, absolute, hash, format, sourceFormat, mapping, tables, targets: pending, options });
  return targets.map((table) => {
    const earlier = skipped(table);
    if (!earlier) return loaded.find((result) => result.table === table)!;
    return { path, table, format, skipped: true, fileId: earlier.file_id, rowsRead: earlier.rows_read, rowsLoaded: earlier.rows_loaded, rowsQuarantined: earlier.rows_quarantined, ignoredColumns: [] };
  });
}

interface LoadPlan {
  path: string;
  absolute: string;
  hash: string;
  format: string;
  sourceFormat: InputFormat;
  mapping: InputMapping | undefined;
  tables: Map<string, ColumnSpec[]>;
  targets: string[];
  options: LoadOptions;
}

// The file is read once; each table it feeds is then loaded in its own transaction.
async function loadTables(db: Kysely<Database>, plan: LoadPlan): Promise<LoadResult[]> {
  const decoded = plan.mapping && !(await isUtf8File(plan.absolute)) ? await decodeToUtf8(plan.absolute, plan.mapping.encoding) : undefined;
  return db.connection().execute(async (connection) => {
    try {
      await setShopTimeZone(connection, plan.options.seedsDir ?? loadConfig().seedsDir);
      await readRecords(connection, decoded?.path ?? plan.absolute, plan.sourceFormat, plan.mapping);
      const results: LoadResult[] = [];
      for (const table of plan.targets) {
        await selectRows(connection, table, plan.mapping);
        // Lines that could not be read at all belong to the file's first table.
        const withRejects = table === Object.keys(plan.mapping?.tables ?? { [table]: {} })[0];
        results.push(await loadTable(connection, plan, table, withRejects));
        await sql`drop table _incoming`.execute(connection);
      }
      return results;
    } finally {
      decoded?.remove();
      await sql`drop table if exists _incoming; drop table if exists _fields; drop table if exists _rejects; drop table if exists _reject_scans; drop table if exists _lines; drop table if exists _records; drop table if exists _typed`.execute(connection);
    }
  });
}

async function loadTable(connection: Kysely<Database>, plan: LoadPlan, table: string, withRejects: boolean): Promise<LoadResult> {
  const { path, absolute, format } = plan;
  const columns = plan.tables.get(table)!;
  const found = (await sql<{ name: string }>`select column_name as name from information_schema.columns where table_name = '_incoming' and column_name not in ('_line') order by ordinal_position`.execute(connection)).rows.map((row) => row.name);
  const missing = columns.filter((column) => column.required && !found.includes(column.name)).map((column) => column.name);
  if (missing.length > 0) {
    throw new Error(`${path}: not a ${table} file: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}\n  expected: ${columns.map((c) => c.name + (c.required ? '' : '?')).join(', ')}\n  found:    ${found.join(', ')}`);
  }
  const present = columns.filter((column) => found.includes(column.name));
  const ignoredColumns = found.filter((name) => !columns.some((column) => column.name === name));
  return connection.transaction().execute(async (trx) => {
    const { file_id: fileId } = await trx.insertInto('ops.loaded_files').values({
      content_hash: plan.hash, path: absolute, table_name: table, format, rows_read: 0, rows_loaded: 0, rows_quarantined: 0,
      run_id: plan.options.runId ?? null, loaded_at: new Date(),
    }).returning('file_id').executeTakeFirstOrThrow();
    await sql.raw(checkRows(present, ignoredColumns, await checkConstraints(trx, table))).execute(trx);
    const loaded = await sql.raw(`insert into raw.${table} (${present.map((c) => c.name).join(', ')}, _file_id, _line)
      select ${present.map((c) => quote(typedName(c.name))).join(', ')}, ${fileId}, _line from _checked where _reason = ''`).execute(trx);
    const unreadable = withRejects ? `union all
      select ${fileId}, ${sqlString(absolute)}, '${table}', line, 'unreadable line: ' || error_message, to_json({line: csv_line})::varchar, now()::timestamp
      from _rejects` : '';
    const quarantined = await sql.raw(`insert into ops.quarantine
      select ${fileId}, ${sqlString(absolute)}, '${table}', _line, _reason, to_json(record)::varchar, now()::timestamp
      from (select _line, _reason, struct_pack(*columns(* exclude (_line, _reason, ${present.map((c) => quote(typedName(c.name))).join(', ')}))) as record
            from _checked where _reason <> '')
      ${unreadable}`).execute(trx);
    crashPoint('load:inserted');
    const rowsLoaded = Number(loaded.numAffectedRows ?? 0);
    const rowsQuarantined = Number(quarantined.numAffectedRows ?? 0);
    await trx.updateTable('ops.loaded_files')
      .set({ rows_read: rowsLoaded + rowsQuarantined, rows_loaded: rowsLoaded, rows_quarantined: rowsQuarantined })
      .where('file_id', '=', fileId).execute();
    await sql`drop table _checked`.execute(trx);
    return { path, table, format, skipped: false, fileId, rowsRead: rowsLoaded + rowsQuarantined, rowsLoaded, rowsQuarantined, ignoredColumns };
  });
}

// Timestamps that carry an offset are instants; raw tables hold the shop's wall-clock time.
async function setShopTimeZone(db: Kysely<Database>, seedsDir: string): Promise<void> {
  const { rows } = await sql.raw<{ value: string | null }>(`select value from read_csv(${sqlString(join(seedsDir, 'parameters.csv'))}, header = true, all_varchar = true)
    where name = 'shop_time_zone'`).execute(db);
  const zone = rows[0]?.value;
  if (!zone) throw new Error(`${join(seedsDir, 'parameters.csv')}: no shop_time_zone`);
  await sql`set variable shop_time_zone = ${zone}`.execute(db);
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

// Everything is read as text first (temp table _fields) so that one bad value quarantines its
// row instead of failing the file.
async function readRecords(db: Kysely<Database>, path: string, format: InputFormat, mapping: InputMapping | undefined): Promise<void> {
  await sql`create temp table _rejects (line bigint, csv_line varchar, error_message varchar)`.execute(db);
  if (mapping) await readFields(db, path, mapping);
  else if (format === 'csv') await readFields(db, path, { delimiter: ',', header: true });
  else if (format === 'arrow') await readArrow(db, path, '_fields');
  else {
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
    await sql.raw(`create temp table _fields as select ${asText.join(', ')}, _line from (select *, ${lineNumber} as _line from _typed); drop table _typed`).execute(db);
  }
}

/** The rows of one table as temp table _incoming: the fields themselves, or the mapping's expressions over them. */
async function selectRows(db: Kysely<Database>, table: string, mapping: InputMapping | undefined): Promise<void> {
  if (!mapping) {
    await sql`alter table _fields rename to _incoming`.execute(db);
    return;
  }
  const { columns, optional_columns: optionalColumns, rows } = mapping.tables[table]!;
  const optional: Array<[string, string]> = [];
  for (const [column, expression] of Object.entries(optionalColumns)) {
    const binds = await sql.raw(`select (${expression})::varchar from _fields limit 0`).execute(db).then(() => true, () => false);
    if (binds) optional.push([column, expression]);
  }
  const expressions = [...Object.entries(columns), ...optional].map(([column, expression]) => `(${expression})::varchar as ${quote(column)}`);
  // Columns and the row condition are computed over all records, so either may use window functions.
  await sql.raw(`create temp table _incoming as select * exclude (_keep) from (
      select ${expressions.join(', ')}, _line, coalesce((${rows ?? 'true'}), false) as _keep from _fields
    ) where _keep`).execute(db).catch((error: Error) => {
    throw new Error(`mapping ${mapping.name}${Object.keys(mapping.tables).length > 1 ? ` (${table})` : ''}: ${error.message}`);
  });
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
  await sql.raw(`create temp table _records as select *, row_number() over () + ${firstLine - 1} as _line
    from read_csv(${file}, header = ${layout.header}, delim = ${sqlString(layout.delimiter)}${names}, all_varchar = true, strict_mode = true,
                  max_line_size = ${maxLineBytes}, buffer_size = ${2 * maxLineBytes},
                  store_rejects = true, rejects_table = '_csv_rejects', rejects_scan = '_reject_scans')`).execute(db).catch((error: Error) => {
    throw new Error(`${path}: cannot read as CSV: ${shorten(error.message)}`);
  });
  // DuckDB reports a short line once per missing column: keep the first report of each kind.
  await sql.raw(`insert into _rejects select line, any_value(csv_line), string_agg(error_message, '; ')
      from (select line, error_type, any_value(csv_line) as csv_line, arg_min(error_message, column_idx) as error_message from _csv_rejects group by all)
      group by line;
    drop table _csv_rejects`).execute(db);
  const { rows } = await sql<{ n: number }>`select count(*) as n from _rejects`.execute(db);
  if (rows[0]!.n === 0) {
    // Then the k-th record is on the k-th line after the header.
    await sql`alter table _records rename to _fields`.execute(db);
    return;
  }
  // Else the records fill the lines not taken by the header and by rejected lines, in order.
  await sql.raw(`create temp table _fields as
    with free_lines as (
      select line, row_number() over (order by line) + ${firstLine - 1} as record_line
      from range(${firstLine}, (select count(*) from _records) + (select count(*) from _rejects) + ${firstLine}) as lines(line)
      where line not in (select line from _rejects)
    )
    select _records.* exclude (_line), free_lines.line as _line
    from _records inner join free_lines on free_lines.record_line = _records._line;
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

/**
 * Temp table _checked: the rows as read, each value cast once to its raw type (as "<column>:typed"),
 * and _reason, what is wrong with the row ('' when nothing): values that are missing, too long or
 * not of their type, or else the check constraints of raw.<table> that the typed row breaks.
 */
function checkRows(columns: ColumnSpec[], ignored: string[], rules: string[]): string {
  const names = new Set(columns.map((column) => column.name));
  const applicable = rules.filter((rule) => [...rule.replace(/'[^']*'/g, '').matchAll(/[a-z_]+/g)].every(([word]) => names.has(word) || /^(and|or|not|in|is|null)$/.test(word)));
  // A rule names columns: it is evaluated on their typed values.
  const onTyped = (rule: string) => rule.replace(/'[^']*'|[a-z_]+/g, (token) => (names.has(token) ? quote(typedName(token)) : token));
  const broken = applicable.map((rule) => `case when not (${onTyped(rule)}) then 'breaks the rule ${rule.replace(/^\((.*)\)$/, '$1').replaceAll("'", "''")}' end`);
  const rulesBroken = broken.length === 0 ? "''" : `concat_ws('; ', ${broken.join(', ')})`;
  return `create temp table _checked as
    select * exclude (_problems), if(_problems = '', ${rulesBroken}, _problems) as _reason
    from (
      select *, ${rowProblems(columns)} as _problems
      from (select ${[...columns.map((column) => quote(column.name)), ...ignored.map(quote)].join(', ')}, _line,
                   ${columns.map((column) => `${typedValue(column)} as ${quote(typedName(column.name))}`).join(', ')}
            from _incoming)
    )`;
}

function typedName(column: string): string {
  return `${column}:typed`;
}

function sqlString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A SQL expression listing what is wrong with a row's values ('' when nothing). */
function rowProblems(columns: ColumnSpec[]): string {
  const checks = columns.flatMap((column) => {
    const value = quote(column.name);
    const problems = [`case when ${value} is not null and ${quote(typedName(column.name))} is null
      then '${column.name}: ''' || left(${value}, 40) || ''' is not a ${column.type}' end`];
    if (column.required) problems.push(`case when ${value} is null or trim(${value}) = '' then '${column.name} is missing' end`);
    problems.push(`case when length(${value}) > ${maxFieldLength} then '${column.name}: ' || format('{:,}', length(${value})) || ' characters, more than ${maxFieldLength.toLocaleString('en-US')}' end`);
    return problems;
  });
  return `concat_ws('; ', ${checks.join(', ')})`;
}

// Text with an offset ('…T10:00:00Z', '… 10:00:00+02:00') is an instant: stored as shop time.
const withOffset = String.raw`\d:\d\d(:\d\d(\.\d+)?)?\s*(Z|[+-]\d\d(:?\d\d)?)$`;

/** A column's text as its raw type, NULL when it is not one. */
function typedValue(column: ColumnSpec): string {
  const value = quote(column.name);
  if (column.type !== 'TIMESTAMP') return `try_cast(${value} as ${column.type})`;
  return `case when regexp_matches(${value}, '${withOffset}')
    then timezone(getvariable('shop_time_zone'), try_cast(regexp_replace(${value}, '\\s+([+-]\\d\\d(:?\\d\\d)?)$', '\\1') as timestamptz))
    else try_cast(${value} as timestamp) end`;
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
