import {
  closeSync,
  copyFileSync,
  existsSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { crashPoint } from '../crash-point.js';
import type { InputFormat } from './detect-input.js';
import type { InputMapping } from './input-mapping.js';

/** How a file was read, as far as the load was told: the rest is detected from its name and header, as it will be again. */
export interface ReadOptions {
  table?: string;
  format?: InputFormat;
  mapping?: InputMapping;
}

/** One line of the archive's manifest.jsonl. */
export interface ArchiveEntry {
  /** Order of archiving, which is the order of loading: a rebuild loads the entries in it. */
  sequence: number;
  /**
   * Where the file is, relative to the archive folder: `<yyyy-mm>/<stem>.<sequence><extension>`,
   * the name still starting with the table it feeds and ending with its type, as they are detected.
   */
  archived: string;
  /** The path it was loaded from. */
  original: string;
  content_hash: string;
  tables: string[];
  read: ReadOptions;
  archived_at: string;
}

export const manifestName = 'manifest.jsonl';

/** What the archive keeps of a file's load: its content and the tables it feeds. */
export interface LoadedFile {
  contentHash: string;
  tables: string[];
}

/**
 * The archive keeps every loaded file, with an append-only manifest of how and in what order each
 * was read: a warehouse can be rebuilt from it alone.
 */
export class Archive {
  readonly #entries: ArchiveEntry[];

  constructor(readonly dir: string) {
    this.#entries = readManifest(dir);
  }

  get entries(): readonly ArchiveEntry[] {
    return this.#entries;
  }

  /**
   * Archives a file loaded (or found loaded before): moved there when `move`, else copied. A file
   * whose content the archive holds is only copied again when it is moved out of the inbox (a
   * second delivery), and a file recorded but not yet moved (the process died in between) is moved
   * to where the manifest says. Returns the entry, or undefined when nothing was to be done.
   */
  add(path: string, file: LoadedFile, read: ReadOptions, move: boolean, now = new Date()): ArchiveEntry | undefined {
    const original = resolve(path);
    const hash = file.contentHash;
    const recorded = this.#entries.find((entry) => entry.content_hash === hash && entry.original === original);
    if (recorded && !existsSync(join(this.dir, recorded.archived))) {
      place(original, join(this.dir, recorded.archived), move);
      return recorded;
    }
    if (!move && this.#entries.some((entry) => entry.content_hash === hash)) return undefined;
    const sequence = (this.#entries.at(-1)?.sequence ?? 0) + 1;
    const entry: ArchiveEntry = {
      sequence,
      archived: join(now.toISOString().slice(0, 7), archivedName(path, sequence)),
      original,
      content_hash: hash,
      tables: file.tables,
      read,
      archived_at: now.toISOString(),
    };
    const target = join(this.dir, entry.archived);
    if (move) {
      // The manifest line first: a process that dies before the file is placed leaves a line whose
      // file is still where it was loaded from, and the next load of that file completes the move.
      this.#record(entry);
      crashPoint('archive:recorded');
      place(original, target, true);
    } else {
      // A copy first, as its load has not committed yet: the line is what makes it part of the
      // archive, so a copy or a line that cannot be written leaves nothing behind.
      place(original, target, false);
      try {
        this.#record(entry);
      } catch (error) {
        rmSync(target, { force: true });
        throw error;
      }
    }
    return entry;
  }

  #record(entry: ArchiveEntry): void {
    appendLine(join(this.dir, manifestName), JSON.stringify(entry));
    this.#entries.push(entry);
  }

  /** Where an entry's file is: in the archive, or still where it was loaded from if it never got there. */
  locate(entry: ArchiveEntry): string | undefined {
    const archived = join(this.dir, entry.archived);
    if (existsSync(archived)) return archived;
    return existsSync(entry.original) ? entry.original : undefined;
  }
}

function archivedName(path: string, sequence: number): string {
  const extension = extname(path);
  return `${basename(path, extension)}.${String(sequence).padStart(6, '0')}${extension}`;
}

// A line cut short by a crash is followed by a newline before the next, and skipped when read: its
// file was not moved yet, so it is archived again under a line of its own.
function readManifest(dir: string): ArchiveEntry[] {
  const path = join(dir, manifestName);
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .flatMap((line) => {
      try {
        return line.trim() ? [JSON.parse(line) as ArchiveEntry] : [];
      } catch {
        return [];
      }
    });
}

function appendLine(path: string, line: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, 'a+');
  try {
    const size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    if (size > 0) readSync(fd, last, 0, 1, size - 1);
    writeSync(fd, `${size > 0 && last.toString() !== '\n' ? '\n' : ''}${line}\n`);
    fsyncSync(fd);
  } catch (error) {
    // Node names no file for a failed write: the file is named as Node names it for the others.
    (error as Error).message += ` '${path}'`;
    throw error;
  } finally {
    closeSync(fd);
  }
}

// Renamed when moved within one filesystem; otherwise copied to a temporary name and renamed, so
// that the archive never holds half a file. A symlink in the inbox is replaced by what it points to.
function place(from: string, to: string, move: boolean): void {
  mkdirSync(dirname(to), { recursive: true });
  if (move && !lstatSync(from).isSymbolicLink()) {
    try {
      renameSync(from, to);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
    }
  }
  const part = `${to}.part`;
  try {
    copyFileSync(from, part);
    renameSync(part, to);
  } catch (error) {
    rmSync(part, { force: true });
    // Named as the file it was to become: the part is gone.
    (error as Error).message = (error as Error).message.replace(part, to);
    throw error;
  }
  if (move) rmSync(from);
}
