import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import type { WarehouseConfig } from '../config.js';
import type { Database } from './database.js';
import { DuckDBDialect } from './duckdb-dialect.js';

export interface Warehouse {
  config: WarehouseConfig;
  instance: DuckDBInstance;
  db: Kysely<Database>;
  close(): Promise<void>;
}

// The run log and the canonical raw tables exist in every warehouse, created idempotently.
const setupScripts = [new URL('./ops-schema.sql', import.meta.url), new URL('../load/raw-tables.sql', import.meta.url)]
  .map((url) => readFileSync(url, 'utf8'));

export async function openWarehouse(config: WarehouseConfig, options: { readOnly?: boolean } = {}): Promise<Warehouse> {
  if (options.readOnly && !existsSync(config.warehousePath)) {
    throw new Error(`no warehouse at ${config.warehousePath} yet: build one first (npm start, or npm run warehouse -- refresh)`);
  }
  mkdirSync(dirname(config.warehousePath), { recursive: true });
  mkdirSync(config.tempDirectory, { recursive: true });
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
    throw new Error(`cannot open warehouse ${config.warehousePath}: ${error.message}`);
  });
  const db = new Kysely<Database>({ dialect: new DuckDBDialect({ instance }) });
  if (!options.readOnly) for (const script of setupScripts) await sql.raw(script).execute(db);
  return {
    config,
    instance,
    db,
    async close() {
      await db.destroy();
      instance.closeSync();
    },
  };
}
