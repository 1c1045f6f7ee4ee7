import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { detectFormat, detectTable, type InputFormat } from './detect-input.js';

export interface LoadResult {
  path: string;
  table: string;
  format: InputFormat;
  skipped: boolean;
  /** Set when the file was loaded before: that load's file id. */
  fileId: number;
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  ignoredColumns: string[];
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
export async function loadFile(db: Kysely<Database>, path: string, options: { table?: string; runId?: number } = {}): Promise<LoadResult> {
  const absolute = resolve(path);
  const format = detectFormat(absolute);
  const tables = await rawTables(db);
  const table = options.table ?? detectTable(absolute, [...tables.keys()]);
  const columns = tables.get(table);
  if (!columns) throw new Error(`${path}: unknown table '${table}' (known: ${[...tables.keys()].join(', ')})`);
  const hash = await hashFile(absolute);
  const known = await db.selectFrom('ops.loaded_files').selectAll().where('content_hash', '=', hash).executeTakeFirst();
  if (known) {
    return { path, table: known.table_name, format, skipped: true, fileId: known.file_id, rowsRead: known.rows_read, rowsLoaded: known.rows_loaded, rowsQuarantined: known.rows_quarantined, ignoredColumns: [] };
  }
  return db.connection().execute(async (connection) => {
    await readIntoStaging(connection, absolute, format);
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
        const loaded = await sql.raw(`insert into raw.${table} (${present.map((c) => c.name).join(', ')}, _file_id, _line)
          select ${present.map((c) => `cast(${quote(c.name)} as ${c.type})`).join(', ')}, ${fileId}, _line from _checked where _reason = ''`).execute(trx);
        const quarantined = await sql.raw(`insert into ops.quarantine
          select ${fileId}, '${absolute.replaceAll("'", "''")}', '${table}', _line, _reason, to_json(record)::varchar, now()::timestamp
          from (select _line, _reason, struct_pack(columns(* exclude (_line, _reason))) as record from _checked where _reason <> '')
          union all
          select ${fileId}, '${absolute.replaceAll("'", "''")}', '${table}', line, 'unreadable line: ' || error_message, to_json({line: csv_line})::varchar, now()::timestamp
          from _rejects`).execute(trx);
        const rowsLoaded = Number(loaded.numAffectedRows ?? 0);
        const rowsQuarantined = Number(quarantined.numAffectedRows ?? 0);
        await trx.updateTable('ops.loaded_files')
          .set({ rows_read: rowsLoaded + rowsQuarantined, rows_loaded: rowsLoaded, rows_quarantined: rowsQuarantined })
          .where('file_id', '=', fileId).execute();
        await sql`drop table _checked`.execute(trx);
        return { path, table, format, skipped: false, fileId, rowsRead: rowsLoaded + rowsQuarantined, rowsLoaded, rowsQuarantined, ignoredColumns };
      });
    } finally {
      await sql`drop table if exists _incoming; drop table if exists _rejects; drop table if exists _reject_scans`.execute(connection);
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
async function readIntoStaging(db: Kysely<Database>, path: string, format: InputFormat): Promise<void> {
  const file = `'${path.replaceAll("'", "''")}'`;
  await sql`create temp table _rejects (line bigint, csv_line varchar, error_message varchar)`.execute(db);
  if (format === 'csv') {
    await sql.raw(`create temp table _records as select row_number() over () as _record, *
      from read_csv(${file}, header = true, all_varchar = true, strict_mode = true, store_rejects = true,
                    rejects_table = '_csv_rejects', rejects_scan = '_reject_scans')`).execute(db);
    await sql.raw(`insert into _rejects select line, csv_line, string_agg(error_message, '; ') from _csv_rejects group by all;
      drop table _csv_rejects;
      -- Data records fill the lines (after the header) not taken by rejected lines, in order.
      create temp table _incoming as
      with free_lines as (
        select line, row_number() over (order by line) as _record
        from range(2, (select count(*) from _records) + (select count(*) from _rejects) + 2) as lines(line)
        where line not in (select line from _rejects)
      )
      select _records.* exclude (_record), free_lines.line as _line
      from _records inner join free_lines using (_record);
      drop table _records`).execute(db);
  } else {
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
    await sql.raw(`create temp table _incoming as select ${asText.join(', ')}, ${lineNumber} as _line from _typed; drop table _typed`).execute(db);
  }
}

/** A SQL expression listing what is wrong with a row ('' when nothing). */
function rowProblems(columns: ColumnSpec[]): string {
  const checks = columns.flatMap((column) => {
    const value = quote(column.name);
    const problems = [`case when ${value} is not null and try_cast(${value} as ${column.type}) is null
      then '${column.name}: ''' || left(${value}, 40) || ''' is not a ${column.type}' end`];
    if (column.required) problems.push(`case when ${value} is null or trim(${value}) = '' then '${column.name} is missing' end`);
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
