import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import type { WarehouseConfig } from '../config.js';
import type { Database } from './database.js';
import { DuckDBDialect } from './duckdb-dialect.js';
import { acquireWarehouseLock, lockPathOf, readHolder } from './warehouse-lock.js';

export interface Warehouse {
  config: WarehouseConfig;
  instance: DuckDBInstance;
  db: Kysely<Database>;
  close(): Promise<void>;
}

// The run log and the canonical raw tables exist in every warehouse, created idempotently.
const setupScripts = [new URL('./ops-schema.sql', import.meta.url), new URL('../load/raw-tables.sql', import.meta.url)].map((url) =>
  readFileSync(url, 'utf8'),
);

export interface OpenOptions {
  readOnly?: boolean;
  /** What the writer is doing, shown to anyone who finds the lock taken. */
  command?: string;
  /** How long a writer waits for another writer's lock. */
  waitSeconds?: number;
  log?: (line: string) => void;
}

/**
 * Opens the warehouse file. A writer first takes the warehouse lock (released by close), and
 * marks runs left 'running' by a process that died as interrupted.
 */
export async function openWarehouse(config: WarehouseConfig, options: OpenOptions = {}): Promise<Warehouse> {
  if (options.readOnly && !existsSync(config.warehousePath)) {
    throw new Error(`no warehouse at ${config.warehousePath} yet: build one first (npm start, or npm run warehouse -- refresh)`);
  }
  mkdirSync(dirname(config.warehousePath), { recursive: true });
  mkdirSync(config.tempDirectory, { recursive: true });
  const release = options.readOnly
    ? () => {}
    : await acquireWarehouseLock(config.warehousePath, {
        command: options.command ?? 'write',
        waitSeconds: options.waitSeconds,
        log: options.log,
      });
  try {
    return await openInstance(config, options, release);
  } catch (error) {
    release();
    throw error;
  }
}

async function openInstance(config: WarehouseConfig, options: OpenOptions, release: () => void): Promise<Warehouse> {
  const settings: Record<string, string> = {
    memory_limit: config.memoryLimit,
    temp_directory: config.tempDirectory,
    // No network here: a stray extension use must fail at once, not hang on a download.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  if (config.threads) settings.threads = String(config.threads);
  if (options.readOnly) settings.access_mode = 'READ_ONLY';
  const instance = await DuckDBInstance.create(config.warehousePath, settings).catch((error: Error) => {
    const writer = options.readOnly ? readHolder(lockPathOf(config.warehousePath)) : undefined;
    if (writer)
      throw new Error(
        `cannot open warehouse ${config.warehousePath}: '${writer.command}' (pid ${writer.pid}, since ${writer.since}) is writing it; try again when it has finished`,
      );
    throw new Error(`cannot open warehouse ${config.warehousePath}: ${error.message}`);
  });
  const db = new Kysely<Database>({ dialect: new DuckDBDialect({ instance }) });
  if (!options.readOnly) {
    for (const script of setupScripts) await sql.raw(script).execute(db);
    await migrateLoadedFiles(db);
    // Holding the lock, any run still marked running belongs to a process that is gone.
    await db
      .updateTable('ops.runs')
      .set({ status: 'interrupted', finished_at: new Date(), message: 'the process ended before the run finished' })
      .where('status', 'in', ['running', 'publishing'])
      .execute();
  }
  return {
    config,
    instance,
    db,
    async close() {
      try {
        await db.destroy();
        instance.closeSync();
      } finally {
        release();
      }
    },
  };
}

// Warehouses from before one file could feed several tables have content_hash unique on its
// own: the table is recreated by the current script and its rows copied over.
async function migrateLoadedFiles(db: Kysely<Database>): Promise<void> {
  const { rows } = await sql`select 1 from duckdb_constraints() where schema_name = 'ops' and table_name = 'loaded_files'
    and constraint_type = 'UNIQUE' and constraint_column_names = ['content_hash']`.execute(db);
  if (rows.length === 0) return;
  await db.transaction().execute(async (trx) => {
    await sql`alter table ops.loaded_files rename to loaded_files_before`.execute(trx);
    await sql.raw(setupScripts[0]!).execute(trx);
    await sql`insert into ops.loaded_files select * from ops.loaded_files_before; drop table ops.loaded_files_before`.execute(trx);
  });
}
