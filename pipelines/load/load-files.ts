import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { crashPoint } from '../crash-point.js';
import { isInside } from '../is-inside.js';
import type { Database } from '../warehouse/database.js';
import { Archive, type ReadOptions } from './archive-file.js';
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

/** A file or folder to load, or a file with how to read it (an archived file, as it was read). */
export type LoadInput = string | { path: string; read: ReadOptions };

export interface ArchiveOptions {
  /** The archive folder: every file loaded is kept there (archive-file.ts). */
  dir: string;
  /** Files loaded from inside this folder (the inbox) are moved to the archive; others are copied. */
  moveFrom?: string;
}

/**
 * Loads files and the files inside folders (sorted by name, so dated exports load in order).
 * A file that cannot be loaded at all does not stop the others; all such files are reported
 * together at the end, as an error. With `archive`, the files loaded (or found loaded before) are
 * archived once their loads have committed.
 */
export async function loadFiles(
  db: Kysely<Database>,
  paths: LoadInput[],
  options: LoadOptions & { log?: (line: string) => void; archive?: ArchiveOptions },
): Promise<LoadResult[]> {
  const log = options.log ?? (() => {});
  const files = paths.flatMap((input) => (typeof input === 'string' ? expandPath(input).map((path) => ({ path, read: {} })) : [input]));
  // Read only when there is something to load: a refresh with nothing new costs the same at any age.
  const archive = options.archive && files.length > 0 ? new Archive(options.archive.dir) : undefined;
  const results: LoadResult[] = [];
  const loadedFiles: Array<{ file: string; loaded: LoadResult[]; how: ReadOptions }> = [];
  const failures: Array<{ path: string; message: string }> = [];
  for (const [index, { path: file, read }] of files.entries()) {
    const position = `[${index + 1}/${files.length}]`;
    const how: ReadOptions = { table: options.table, format: options.format, mapping: options.mapping, ...read };
    let loaded: LoadResult[];
    try {
      loaded = await loadFile(db, file, { ...options, ...how });
    } catch (error) {
      failures.push({ path: file, message: (error as Error).message });
      log(`${position} ${file}: not loaded`);
      continue;
    }
    results.push(...loaded);
    loadedFiles.push({ file, loaded, how });
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
  // In the order the files were first loaded (their file ids), which a rebuild follows: a file
  // left in the inbox by a run killed after its load may be found again after newer ones.
  const firstLoaded = ({ loaded }: { loaded: LoadResult[] }) => Math.min(...loaded.map((result) => result.fileId));
  for (const { file, loaded, how } of archive ? loadedFiles.sort((a, b) => firstLoaded(a) - firstLoaded(b)) : []) {
    const move = options.archive?.moveFrom !== undefined && isInside(file, options.archive.moveFrom);
    const archived = archive!.add(file, loaded, how, move);
    if (archived) log(`${move ? 'moved' : 'copied'} ${file} to ${join(archive!.dir, archived.archived)}`);
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
