import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

export interface TempFile {
  path: string;
  remove(): void;
}

/** A path for a file standing in for `path` (same name, in a new temporary folder), and how to remove it. */
export function tempFile(path: string): TempFile {
  const dir = mkdtempSync(join(tmpdir(), 'warehouse-read-'));
  return { path: join(dir, basename(path)), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
