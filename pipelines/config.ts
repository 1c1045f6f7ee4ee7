import { resolve } from 'node:path';
import { z } from 'zod';

// Every setting comes from the environment so that schedulers and tests can point one
// checkout at another warehouse without editing files.
const envSchema = z.object({
  WAREHOUSE_PATH: z.string().optional(),
  WAREHOUSE_DATA_DIR: z.string().default('data'),
  WAREHOUSE_INBOX: z.string().optional(),
  WAREHOUSE_MEMORY_LIMIT: z
    .string()
    .regex(/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i, 'like 4GB')
    .default('1.25GB'),
  WAREHOUSE_THREADS: z.coerce.number().int().positive().optional(),
  WAREHOUSE_MEMBER_SALT: z.string().min(8).optional(),
  WAREHOUSE_ENGINE: z.enum(['duckdb', 'postgres']).default('duckdb'),
  WAREHOUSE_POSTGRES_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'like postgres://user@host:5432/database')
    .optional(),
});

export interface WarehouseConfig {
  projectDir: string;
  dataDir: string;
  warehousePath: string;
  inboxDir: string;
  /** Every file loaded, as loaded, in load order (manifest.jsonl): what a rebuild reads. */
  archiveDir: string;
  tempDirectory: string;
  memoryLimit: string;
  threads: number | undefined;
  modelsDir: string;
  seedsDir: string;
  assertionsDir: string;
  /** Salt for member keys; when absent a random one is created once and kept in the data folder. */
  memberSalt: string | undefined;
  /** Where the models run: DuckDB, or the PostgreSQL server at postgresUrl (docs/scale.md). */
  engine: 'duckdb' | 'postgres';
  postgresUrl: string | undefined;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, projectDir = process.cwd()): WarehouseConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid environment: ${problems.join('; ')}`);
  }
  const settings = parsed.data;
  if (settings.WAREHOUSE_ENGINE === 'postgres' && !settings.WAREHOUSE_POSTGRES_URL)
    throw new Error('invalid environment: WAREHOUSE_ENGINE=postgres needs WAREHOUSE_POSTGRES_URL (postgres://user@host:5432/database)');
  const dataDir = resolve(projectDir, settings.WAREHOUSE_DATA_DIR);
  return {
    projectDir,
    dataDir,
    warehousePath: resolve(projectDir, settings.WAREHOUSE_PATH ?? resolve(dataDir, 'warehouse.duckdb')),
    inboxDir: resolve(projectDir, settings.WAREHOUSE_INBOX ?? resolve(dataDir, 'inbox')),
    archiveDir: resolve(dataDir, 'archive'),
    tempDirectory: resolve(dataDir, 'tmp'),
    memoryLimit: settings.WAREHOUSE_MEMORY_LIMIT,
    threads: settings.WAREHOUSE_THREADS,
    modelsDir: resolve(projectDir, 'models'),
    seedsDir: resolve(projectDir, 'seeds'),
    assertionsDir: resolve(projectDir, 'models/assertions'),
    memberSalt: settings.WAREHOUSE_MEMBER_SALT,
    engine: settings.WAREHOUSE_ENGINE,
    postgresUrl: settings.WAREHOUSE_POSTGRES_URL,
  };
}
