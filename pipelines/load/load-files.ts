import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { crashPoint } from '../crash-point.js';
import { isInside } from '../is-inside.js';
import { cut } from '../quoted.js';
import type { Database } from '../warehouse/database.js';
import { Archive, type ArchiveEntry, type LoadedFile, type ReadOptions } from './archive-file.js';
import { type LoadOptions, type LoadResult, loadFile } from './load-file.js';

export class UnloadableFilesError extends Error {
  constructor(
    readonly failures: Array<{ path: string; message: string }>,
    readonly total: number,
  ) {
    super(
      `${failures.length} of ${total} file${total === 1 ? '' : 's'} could not be loaded${failures.length < total ? ' (the others were)' : ''}:\n${failures.map((failure) => `  ${failure.message.replaceAll('\n', '\n  ')}`).join('\n')}`,
    );
    this.name = 'UnloadableFilesError';
  }
}

/** A file that could not be copied into the archive: the load stops there. */
export class ArchiveError extends Error {
  constructor(path: string, dir: string, cause: Error, loadedBefore: boolean) {
    super(
      `${path} could not be copied into the archive ${dir} (${cause.message.split('\n')[0]})${loadedBefore ? ', though it was loaded before' : ', so it was not loaded'}: make the archive writable, or free space, and load it again`,
    );
    this.name = 'ArchiveError';
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
 * together at the end, as an error. With `archive`, every file loaded (or found loaded before) is
 * archived: a copy before its load commits, so that the warehouse never holds a file the archive
 * lacks; a file in the inbox is moved once its load has committed, and one left there by a process
 * killed in between is recognised by its hash and moved by the next load.
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
  const moves = (file: string) => options.archive?.moveFrom !== undefined && isInside(file, options.archive.moveFrom);
  const results: LoadResult[] = [];
  const loadedFiles: Array<{ file: string; loaded: LoadResult[]; how: ReadOptions }> = [];
  const failures: Array<{ path: string; message: string }> = [];
  for (const [index, { path: file, read }] of files.entries()) {
    const position = `[${index + 1}/${files.length}]`;
    const how: ReadOptions = { table: options.table, format: options.format, mapping: options.mapping, ...read };
    const beforeCommit =
      archive && !moves(file) ? (loaded: LoadedFile) => copyToArchive(archive, file, loaded, how, log, false) : undefined;
    let loaded: LoadResult[];
    try {
      loaded = await loadFile(db, file, { ...options, ...how, beforeCommit });
    } catch (error) {
      if (error instanceof ArchiveError) throw error;
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
        if (result.ignoredColumns.length > 0)
          log(`    columns not in raw.${result.table}, ignored: ${result.ignoredColumns.map(cut).join(', ')}`);
      }
    }
  }
  // In the order the files were first loaded (their file ids), which a rebuild follows: a file
  // left in the inbox by a run killed after its load may be found again after newer ones.
  const firstLoaded = ({ loaded }: { loaded: LoadResult[] }) => Math.min(...loaded.map((result) => result.fileId));
  // A copy was archived as it loaded, unless it had been loaded before.
  for (const { file, loaded, how } of archive ? loadedFiles.sort((a, b) => firstLoaded(a) - firstLoaded(b)) : []) {
    if (!moves(file)) copyToArchive(archive!, file, loadedFile(loaded), how, log, true);
    else {
      const archived = archive!.add(file, loadedFile(loaded), how, true);
      if (archived) log(`moved ${file} to ${join(archive!.dir, archived.archived)}`);
    }
  }
  if (failures.length > 0) throw new UnloadableFilesError(failures, files.length);
  return results;
}

function loadedFile(results: LoadResult[]): LoadedFile {
  return { contentHash: results[0]!.contentHash, tables: results.map((result) => result.table) };
}

function copyToArchive(
  archive: Archive,
  path: string,
  file: LoadedFile,
  read: ReadOptions,
  log: (line: string) => void,
  loadedBefore: boolean,
): void {
  let archived: ArchiveEntry | undefined;
  try {
    archived = archive.add(path, file, read, false);
  } catch (error) {
    throw new ArchiveError(path, archive.dir, error as Error, loadedBefore);
  }
  if (archived) log(`copied ${path} to ${join(archive.dir, archived.archived)}`);
}

function expandPath(path: string): string[] {
  if (!statSync(path, { throwIfNoEntry: false })) throw new Error(`${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path)
    .filter((name) => !name.startsWith('.') && !name.endsWith('.json'))
    .sort()
    .map((name) => join(path, name));
}
