import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { literal } from './sql-text.js';

/**
 * Turns DuckDB's file access off for the rest of the instance's life, but for the files `paths`,
 * the folders `directories` and the temp directory (which DuckDB keeps allowed, for spilling);
 * `lockConfiguration` freezes every setting as well. DuckDB cannot turn access back on: only a new
 * instance has it.
 */
export async function limitFileAccess(
  db: Kysely<Database>,
  paths: string[],
  options: { lockConfiguration?: boolean; directories?: string[] } = {},
): Promise<void> {
  if (paths.length > 0) await sql.raw(`set allowed_paths = [${paths.map(literal).join(', ')}]`).execute(db);
  const directories = options.directories ?? [];
  if (directories.length > 0) await sql.raw(`set allowed_directories = [${directories.map(literal).join(', ')}]`).execute(db);
  await sql`set enable_external_access = false`.execute(db);
  if (options.lockConfiguration) await sql`set lock_configuration = true`.execute(db);
}
