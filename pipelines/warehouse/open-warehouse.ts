import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import type { WarehouseConfig } from '../config.js';
import type { Database } from './database.js';
import { DuckDBDialect } from './dialect/duckdb-dialect.js';
import { markInterruptedRuns } from './interrupted-runs.js';
import { limitFileAccess } from './limit-file-access.js';
import { migrateWarehouse, pendingMigrations } from './migrate-warehouse.js';
import { migrationsFolder, readMigrations } from './read-migrations.js';
import { describeStorageFailure } from './storage-failure.js';
import { acquireWarehouseLock, isAlive, lockPathOf, readHolder } from './warehouse-lock.js';

export interface Warehouse {
  config: WarehouseConfig;
  instance: DuckDBInstance;
  db: Kysely<Database>;
  close(): Promise<void>;
  /**
   * Closes the file and opens it again, keeping the lock: after a write fails for want of space,
   * DuckDB refuses every statement until the database is restarted, and file access once turned
   * off stays off. Replaces the instance; `db` goes on working on the new one. The runs still
   * running are this process's: they are left as they are.
   */
  reopen(): Promise<void>;
}

// The warehouse of each db, for what restarts it given only the db (withFileAccessOff).
const warehouses = new WeakMap<Kysely<Database>, Warehouse>();

// The run log is made by migrations; the canonical raw tables are created idempotently.
const migrations = readMigrations(migrationsFolder);
const rawTables = readFileSync(new URL('../load/raw-tables.sql', import.meta.url), 'utf8');

export interface OpenOptions {
  readOnly?: boolean;
  /** What the writer is doing, shown to anyone who finds the lock taken. */
  command?: string;
  /** How long a writer waits for another writer's lock. */
  waitSeconds?: number;
  log?: (line: string) => void;
  /** Runs once the lock is taken and before the file is opened (a rebuild moves it aside there). */
  beforeOpen?: () => Promise<void>;
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
      }).catch((error: unknown) => {
        throw describeStorageFailure(error, config) ?? error;
      });
  try {
    await options.beforeOpen?.();
    // The driver takes each new connection from the instance of the moment, so that `db` outlives a reopening.
    const dialect = new DuckDBDialect({
      get instance() {
        return warehouse.instance;
      },
    });
    let open = true;
    const shut = () => {
      open = false;
      dialect.driver.closeConnections();
      warehouse.instance.closeSync();
    };
    const warehouse: Warehouse = {
      config,
      instance: await openInstance(config, options),
      db: new Kysely<Database>({ dialect }),
      async close() {
        try {
          if (open) shut();
        } finally {
          release();
        }
      },
      async reopen() {
        // An invalidated database may fail to close cleanly; the new instance is what counts.
        try {
          shut();
        } catch {}
        warehouse.instance = await openInstance(config, options);
        open = true;
      },
    };
    warehouses.set(warehouse.db, warehouse);
    try {
      // A reader may not migrate, and reads an older layout as it can; not a newer one.
      if (options.readOnly) await pendingMigrations(warehouse.db, migrations, config.warehousePath);
      else await prepareForWriting(warehouse.db, config.warehousePath);
    } catch (error) {
      try {
        shut();
      } catch {}
      throw describeStorageFailure(error, config) ?? error;
    }
    return warehouse;
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Runs `work` with DuckDB's file access off but for the files `paths` and the temp directory, so
 * that the project's SQL run in it reads the warehouse only. DuckDB cannot turn access back on, so
 * the warehouse is reopened afterwards (`db` goes on working); no other connection may be in use then.
 */
export async function withFileAccessOff<T>(
  db: Kysely<Database>,
  paths: string[],
  work: () => Promise<T>,
  directories: string[] = [],
): Promise<T> {
  const warehouse = warehouses.get(db);
  if (!warehouse) throw new Error('withFileAccessOff takes the db of a warehouse opened by openWarehouse');
  const { rows } = await sql<{ on: boolean }>`select current_setting('enable_external_access') as on`.execute(db);
  if (!rows[0]!.on) await warehouse.reopen();
  await limitFileAccess(db, paths, { directories });
  let result: T;
  try {
    result = await work();
  } catch (error) {
    // The work's error is what to report. After a failure for want of space the run log reopens
    // the warehouse, and says whether it could record the run (withRun); else the next use does.
    if (!describeStorageFailure(error, warehouse.config)) await warehouse.reopen().catch(() => {});
    throw error;
  }
  await warehouse.reopen();
  return result;
}

async function openInstance(config: WarehouseConfig, options: OpenOptions): Promise<DuckDBInstance> {
  const settings: Record<string, string> = {
    memory_limit: config.memoryLimit,
    temp_directory: config.tempDirectory,
    // No network here: a stray extension use must fail at once, not hang on a download.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  };
  if (config.threads) settings.threads = String(config.threads);
  if (options.readOnly) settings.access_mode = 'READ_ONLY';
  return DuckDBInstance.create(config.warehousePath, settings).catch((error: Error) => {
    const writer = options.readOnly ? readHolder(lockPathOf(config.warehousePath)) : undefined;
    if (writer && isAlive(writer))
      throw new Error(
        `cannot open warehouse ${config.warehousePath}: '${writer.command}' (pid ${writer.pid}, since ${writer.since}) is writing it; try again when it has finished`,
      );
    throw describeStorageFailure(error, config) ?? new Error(`cannot open warehouse ${config.warehousePath}: ${error.message}`);
  });
}

// The ops and raw tables as this version needs them, and the runs whose process died marked.
async function prepareForWriting(db: Kysely<Database>, warehousePath: string): Promise<void> {
  const columns = async () => (await sql<{ n: number }>`select count(*) as n from duckdb_columns()`.execute(db)).rows[0]!.n;
  const before = await columns();
  const applied = await migrateWarehouse(db, migrations, warehousePath);
  await sql.raw(rawTables).execute(db);
  // DuckDB 1.5 cannot replay from its log a column added to, or altered in, a table with a nextval
  // default (duckdb/duckdb#18259): killed before the next checkpoint, the process would leave a
  // warehouse that cannot be opened. Schema changes are written to the file at once.
  if (applied.length > 0 || (await columns()) !== before) await sql`checkpoint`.execute(db);
  await markInterruptedRuns(db);
}
