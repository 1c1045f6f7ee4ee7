import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { crashPoint } from '../crash-point.js';
import type { Database } from '../warehouse/database.js';
import { loadFile, type LoadOptions, type LoadResult } from './load-file.js';

/** Loads files and the files inside folders (sorted by name, so dated exports load in order). */
export async function loadFiles(
  db: Kysely<Database>,
  paths: string[],
  options: LoadOptions & { log?: (line: string) => void } = {},
): Promise<LoadResult[]> {
  const log = options.log ?? (() => {});
  const files = paths.flatMap(expandPath);
  const results: LoadResult[] = [];
  for (const [index, file] of files.entries()) {
    const result = await loadFile(db, file, options);
    results.push(result);
    crashPoint('load:file');
    const position = `[${index + 1}/${files.length}]`;
    if (result.skipped) log(`${position} ${file}: already loaded (file ${result.fileId}), nothing changed`);
    else {
      log(`${position} ${file} → raw.${result.table}: ${result.rowsRead} read, ${result.rowsLoaded} loaded, ${result.rowsQuarantined} quarantined`);
      if (result.ignoredColumns.length > 0) log(`    columns not in raw.${result.table}, ignored: ${result.ignoredColumns.join(', ')}`);
    }
  }
  return results;
}

function expandPath(path: string): string[] {
  if (!statSync(path, { throwIfNoEntry: false })) throw new Error(`${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path).filter((name) => !name.startsWith('.') && !name.endsWith('.json')).sort().map((name) => join(path, name));
}
