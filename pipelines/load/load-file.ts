import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { crashPoint } from '../crash-point.js';
import { cut } from '../quoted.js';
import type { Parameter } from '../run/read-parameters.js';
import type { Database } from '../warehouse/database.js';
import { identifier } from '../warehouse/sql-text.js';
import { checkMappingExpressions } from './check-mapping-expressions.js';
import { type ColumnSpec, checkRows, rawTables, typedColumn } from './check-rows.js';
import { detectFormat, detectTable, type InputFormat } from './detect-input.js';
import { detectableMappings, detectMapping, type InputMapping } from './input-mapping.js';
import { prepareLoadRules } from './load-rules.js';
import { quarantineRows } from './quarantine-rows.js';
import { countUnmatched, headerLine, isEmpty, readInput, selectRows } from './read-input.js';
import { dropTempTables, temp } from './temp-tables.js';

export interface LoadResult {
  path: string;
  table: string;
  /** csv, parquet, jsonl or arrow; `mapping:<name>` for a file read through a mapping. */
  format: string;
  skipped: boolean;
  /** sha256 of the file's bytes: how a file loaded before is recognised. */
  contentHash: string;
  /** Set when the file was loaded before: that load's file id. */
  fileId: number;
  /** rowsLoaded + rowsQuarantined + rowsSkipped. */
  rowsRead: number;
  rowsLoaded: number;
  rowsQuarantined: number;
  /** Records of a mapped file that no table of the mapping takes, counted on its first table. */
  rowsSkipped: number;
  /** Why they were skipped; null when none were. */
  skipReason: string | null;
  ignoredColumns: string[];
}

export interface LoadOptions {
  table?: string;
  /** The container format, when the file's extension does not say it (or says it wrongly). */
  format?: InputFormat;
  mapping?: InputMapping;
  runId?: number;
  /** Where parameters.csv (the shop time zone, the bounds of plausible values) and load_rules.csv are. */
  seedsDir: string;
  /** The run's parameters (run-context.ts). */
  parameters: Map<string, Parameter>;
  /** Called once per file loaded, in the transaction of its first table before that commits (the archive copies it there). */
  beforeCommit?: (file: { contentHash: string; tables: string[] }) => void;
}

/**
 * Loads one input file into the raw tables it feeds: one for a canonical file, one or more for
 * a shop export read through a mapping (a Shopify export feeds orders and order_items). For each
 * table, every row read is either loaded or quarantined with its line and reason, in one
 * transaction; the records of a mapped file that no table's `rows` condition takes are counted as
 * skipped. A file already loaded into a table (same content hash) is skipped there.
 */
export async function loadFile(db: Kysely<Database>, path: string, options: LoadOptions): Promise<LoadResult[]> {
  const absolute = resolve(path);
  if (isEmpty(absolute)) throw new Error(`${path}: the file is empty (not even a header line)`);
  const sourceFormat = options.mapping ? 'csv' : (options.format ?? detectFormat(absolute));
  // A shop export is recognised by its header unless the caller named a mapping, a format or a table.
  const recognise = sourceFormat === 'csv' && !options.table && !options.format;
  const mapping = options.mapping ?? (recognise ? detectMapping(await headerLine(absolute)) : undefined);
  const format = mapping ? `mapping:${mapping.name}` : sourceFormat;
  const tables = await rawTables(db);
  const targets = mapping
    ? Object.keys(mapping.tables)
    : [options.table ?? (await tableFromName(absolute, [...tables.keys()], sourceFormat))];
  const unknown = targets.filter((table) => !tables.has(table));
  if (unknown.length > 0) throw new Error(`${path}: unknown table '${unknown.join("', '")}' (known: ${[...tables.keys()].join(', ')})`);
  const hash = await hashFile(absolute);
  const known = await db.selectFrom('ops.loaded_files').selectAll().where('content_hash', '=', hash).execute();
  const skipped = (table: string) => known.find((file) => file.table_name === table);
  const pending = targets.filter((table) => !skipped(table));
  const loaded =
    pending.length === 0
      ? []
      : await loadTables(db, {
          path,
          absolute,
          hash,
          format,
          sourceFormat,
          mapping,
          tables,
          targets: pending,
          options,
          beforeFirstCommit: () => options.beforeCommit?.({ contentHash: hash, tables: targets }),
        });
  return targets.map((table) => {
    const earlier = skipped(table);
    if (!earlier) return loaded.find((result) => result.table === table)!;
    return {
      path,
      table,
      format,
      skipped: true,
      contentHash: hash,
      fileId: earlier.file_id,
      rowsRead: earlier.rows_read,
      rowsLoaded: earlier.rows_loaded,
      rowsQuarantined: earlier.rows_quarantined,
      rowsSkipped: earlier.rows_skipped,
      skipReason: earlier.skip_reason,
      ignoredColumns: [],
    };
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
  beforeFirstCommit: () => void;
}

// The file is read once; each table it feeds is then loaded in its own transaction.
async function loadTables(db: Kysely<Database>, plan: LoadPlan): Promise<LoadResult[]> {
  return db.connection().execute(async (connection) => {
    try {
      // The parameters (shop_time_zone: raw tables hold the shop's wall-clock time) and the load rules.
      await prepareLoadRules(connection, plan.options);
      await readInput(connection, plan.absolute, plan.sourceFormat, plan.mapping);
      // Every expression of the mapping, against the fields the file has, before any of them runs.
      const mapping = plan.mapping && (await checkMappingExpressions(connection, plan.mapping));
      // Lines that could not be read at all, and records that no table takes, belong to the file's first table.
      const firstTable = mapping ? Object.keys(mapping.tables)[0] : plan.targets[0];
      const skipped = mapping && plan.targets.includes(firstTable!) ? await countUnmatched(connection, mapping) : 0;
      const results: LoadResult[] = [];
      for (const table of plan.targets) {
        await selectRows(connection, table, mapping);
        results.push(await loadTable(connection, plan, table, table === firstTable ? { skipped } : undefined));
        await sql.raw(`drop table ${temp.incoming}`).execute(connection);
      }
      return results;
    } finally {
      await dropTempTables(connection);
    }
  });
}

const skipReason = "matched no table's rows condition";

/** `first` is set for the file's first table, which also takes the unreadable lines and counts the skipped records. */
async function loadTable(connection: Kysely<Database>, plan: LoadPlan, table: string, first?: { skipped: number }): Promise<LoadResult> {
  const { path, absolute, format } = plan;
  const columns = plan.tables.get(table)!;
  const found = (
    await sql<{ name: string }>`select column_name as name from information_schema.columns
    where table_name = ${temp.incoming} and column_name not in ('_line') order by ordinal_position`.execute(connection)
  ).rows.map((row) => row.name);
  const missing = columns.filter((column) => column.required && !found.includes(column.name)).map((column) => column.name);
  if (missing.length > 0) {
    throw new Error(
      `${path}: not a ${table} file: missing column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}\n  expected: ${columns.map((c) => c.name + (c.required ? '' : '?')).join(', ')}\n  found:    ${found.map(cut).join(', ')}`,
    );
  }
  const present = columns.filter((column) => found.includes(column.name));
  const ignoredColumns = found.filter((name) => !columns.some((column) => column.name === name));
  // Before the transaction: DuckDB scans a table created in an open transaction on one thread.
  await checkRows(connection, table, present, ignoredColumns);
  return connection.transaction().execute(async (trx) => {
    const { file_id: fileId } = await trx
      .insertInto('ops.loaded_files')
      .values({
        content_hash: plan.hash,
        path: absolute,
        table_name: table,
        format,
        rows_read: 0,
        rows_loaded: 0,
        rows_quarantined: 0,
        run_id: plan.options.runId ?? null,
        loaded_at: new Date(),
      })
      .returning('file_id')
      .executeTakeFirstOrThrow();
    const loaded = await sql
      .raw(`insert into raw.${identifier(table)} (${present.map((column) => identifier(column.name)).join(', ')}, _file_id, _line)
      select ${present.map((column) => typedColumn(column.name)).join(', ')}, ${fileId}, _line from ${temp.checked} where _reason = ''`)
      .execute(trx);
    const rowsQuarantined = await quarantineRows(trx, { fileId, path: absolute, table }, present, first !== undefined);
    crashPoint('load:inserted');
    const rowsLoaded = Number(loaded.numAffectedRows ?? 0);
    const rowsSkipped = first?.skipped ?? 0;
    const rowsRead = rowsLoaded + rowsQuarantined + rowsSkipped;
    await trx
      .updateTable('ops.loaded_files')
      .set({
        rows_read: rowsRead,
        rows_loaded: rowsLoaded,
        rows_quarantined: rowsQuarantined,
        rows_skipped: rowsSkipped,
        skip_reason: rowsSkipped > 0 ? skipReason : null,
      })
      .where('file_id', '=', fileId)
      .execute();
    await sql.raw(`drop table ${temp.checked}`).execute(trx);
    if (table === plan.targets[0]) plan.beforeFirstCommit();
    return {
      path,
      table,
      format,
      skipped: false,
      contentHash: plan.hash,
      fileId,
      rowsRead,
      rowsLoaded,
      rowsQuarantined,
      rowsSkipped,
      skipReason: rowsSkipped > 0 ? skipReason : null,
      ignoredColumns,
    };
  });
}

// A file neither named after a table nor recognised by its header: say what each layout needs.
async function tableFromName(path: string, tables: string[], format: InputFormat): Promise<string> {
  try {
    return detectTable(path, tables);
  } catch (error) {
    if (format !== 'csv') throw error;
    const layouts = detectableMappings().map((mapping) => `  ${mapping.name} needs: ${mapping.detect!.join(', ')}`);
    throw new Error(
      `${(error as Error).message}; nor is its header a known export layout\n  found:    ${(await headerLine(path)).join(', ')}\n${layouts.join('\n')}`,
    );
  }
}

function hashFile(path: string): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('error', reject)
      .on('data', (chunk) => hash.update(chunk))
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}
