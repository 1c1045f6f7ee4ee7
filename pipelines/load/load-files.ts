import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { crashPoint } from '../crash-point.js';
import type { Database } from '../warehouse/database.js';
import { type LoadOptions, type LoadResult, loadFile } from './load-file.js';

export class UnloadableFilesError extends Error {
  constructor(
    readonly failures: Array<{ path: string; message: string }>,
    total: number,
  ) {
    super(
      `${failures.length} of ${total} file${total === 1 ? '' : 's'} could not be loaded${failures.length < total ? ' (the others were)' : ''}:\n${failures.map((failure) => `  ${failure.message.replaceAll('\n', '\n  ')}`).join('\n')}`,
    );
    this.name = 'UnloadableFilesError';
  }
}

/**
 * Loads files and the files inside folders (sorted by name, so dated exports load in order).
 * A file that cannot be loaded at all does not stop the others; all such files are reported
 * together at the end, as an error.
 */
export async function loadFiles(
  db: Kysely<Database>,
  paths: string[],
  options: LoadOptions & { log?: (line: string) => void },
): Promise<LoadResult[]> {
  const log = options.log ?? (() => {});
  const files = paths.flatMap(expandPath);
  const results: LoadResult[] = [];
  const failures: Array<{ path: string; message: string }> = [];
  for (const [index, file] of files.entries()) {
    const position = `[${index + 1}/${files.length}]`;
    let loaded: LoadResult[];
    try {
      loaded = await loadFile(db, file, options);
    } catch (error) {
      failures.push({ path: file, message: (error as Error).message });
      log(`${position} ${file}: not loaded`);
      continue;
    }
    results.push(...loaded);
    crashPoint('load:file');
    for (const result of loaded) {
      if (result.skipped) log(`${position} ${file}: already loaded into raw.${result.table} (file ${result.fileId}), nothing changed`);
      else {
        log(
          `${position} ${file} → raw.${result.table}: ${result.rowsRead} read, ${result.rowsLoaded} loaded, ${result.rowsQuarantined} quarantined${result.rowsSkipped > 0 ? `, ${result.rowsSkipped} skipped (${result.skipReason})` : ''}`,
        );
        if (result.ignoredColumns.length > 0) log(`    columns not in raw.${result.table}, ignored: ${result.ignoredColumns.join(', ')}`);
      }
    }
  }
  if (failures.length > 0) throw new UnloadableFilesError(failures, files.length);
  return results;
}

function expandPath(path: string): string[] {
  if (!statSync(path, { throwIfNoEntry: false })) throw new Error(`${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => !name.startsWith('.') && !name.endsWith('.json'))
    .sort()
    .map((name) => join(path, name));
}
