import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { expect } from 'vitest';
import { publishedPath } from './marts-digest.js';
import { type CliResult, runCli } from './run-cli.js';

export { publishedDigest, publishedPath, warehouseDigest } from './marts-digest.js';

export const fileHash = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** The status of every run on the published Data page (marts.data_runs), oldest first. */
export async function publishedRunStatuses(dataDir: string): Promise<string[]> {
  const instance = await DuckDBInstance.create(publishedPath(dataDir), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll('select status from marts.data_runs order by run_id');
    return reader.getRows().map(([status]) => String(status));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** The single value (or lines of values) a query gives, through the CLI. */
export function scalar(dataDir: string, query: string): string {
  const result = runCli(['query', query, '--format', 'csv'], dataDir);
  expect(result.stderr).toBe('');
  return result.stdout.trim().split('\n').slice(1).join('\n');
}

/** Copies a delivery's files into the data folder's inbox. */
export function deliver(dataDir: string, folder: string) {
  const inbox = join(dataDir, 'inbox');
  mkdirSync(inbox, { recursive: true });
  for (const name of readdirSync(folder)) cpSync(join(folder, name), join(inbox, name));
}

export function expectSucceeded(result: CliResult) {
  expect(result.stderr).not.toMatch(/error|failed/i);
  expect(result.status).toBe(0);
}
