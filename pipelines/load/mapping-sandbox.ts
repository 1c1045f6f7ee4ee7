import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { withDuckDBConnection } from '../warehouse/dialect/duckdb-driver.js';
import { identifier } from '../warehouse/sql-text.js';
import { temp } from './temp-tables.js';

/**
 * Runs `body` on a new in-memory DuckDB that holds a copy of temp table `fields` and nothing else,
 * its external access off and its configuration locked before the copy: what a mapping's
 * expressions compute there can read or write no file, attach no database and reach no warehouse
 * table. The parse check (check-mapping-expressions.ts) is the first guard, this the second.
 * A separate instance because DuckDB turns external access off only for a whole instance, and
 * never back on, while the warehouse's must go on reading the command's next files.
 */
export async function inMappingSandbox<T>(db: Kysely<Database>, body: (sandbox: DuckDBConnection) => Promise<T>): Promise<T> {
  const { rows } = await sql<{ threads: string; memory_limit: string; temp_directory: string }>`select
    current_setting('threads')::varchar as threads, current_setting('memory_limit') as memory_limit,
    current_setting('temp_directory') as temp_directory`.execute(db);
  const settings = rows[0]!;
  // Its own folder to spill to: two instances must not share temp files.
  const spill = mkdtempSync(join(settings.temp_directory || tmpdir(), 'mapping-'));
  try {
    // The two settings that close it come last: once locked, nothing else can be set.
    const instance = await DuckDBInstance.create(':memory:', {
      threads: settings.threads,
      memory_limit: settings.memory_limit,
      temp_directory: spill,
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      enable_external_access: 'false',
      lock_configuration: 'true',
    });
    try {
      const sandbox = await instance.connect();
      try {
        await withDuckDBConnection(db, (connection) => copyRows(connection, `select * from ${temp.fields}`, sandbox, temp.fields));
        return await body(sandbox);
      } finally {
        sandbox.closeSync();
      }
    } finally {
      instance.closeSync();
    }
  } finally {
    rmSync(spill, { recursive: true, force: true });
  }
}

/** Streams the rows of `query` on one connection into a new temp table of another (of another instance, too), as data chunks. */
export async function copyRows(from: DuckDBConnection, query: string, to: DuckDBConnection, table: string): Promise<void> {
  const result = await from.stream(query);
  const types = result.columnTypes();
  const columns = result.columnNames().map((name, index) => `${identifier(name)} ${types[index]}`);
  await to.run(`create temp table ${table} (${columns.join(', ')})`);
  const appender = await to.createAppender(table, 'main', 'temp');
  for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
    appender.appendDataChunk(chunk);
  }
  appender.flushSync();
  appender.closeSync();
}
