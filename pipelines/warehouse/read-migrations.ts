import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isInside } from '../is-inside.js';

export interface Migration {
  version: number;
  name: string;
  /** Its path, from the repository root when it is inside it. */
  file: string;
  sql: string;
  checksum: string;
}

/** The ops tables of this version, made by numbered migrations (docs/operations.md, Changing the ops tables). */
export const migrationsFolder = fileURLToPath(new URL('./migrations/', import.meta.url));

const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
const numbered = /^(\d{4})-([a-z0-9-]+)\.sql$/;

/** The migrations of a folder, in order: NNNN-name.sql, numbered 0001, 0002, … without a gap. */
export function readMigrations(folder: string): Migration[] {
  return readdirSync(folder)
    .sort()
    .map((entry, index) => {
      const path = join(folder, entry);
      const file = isInside(path, repositoryRoot) ? relative(repositoryRoot, path) : path;
      const [, number, name] = numbered.exec(entry) ?? [];
      if (Number(number) !== index + 1)
        throw new Error(
          `${file}: not migration ${String(index + 1).padStart(4, '0')}: name the migrations NNNN-name.sql, numbered from 0001 without a gap`,
        );
      // Line endings as checked out (git on Windows) must not make a migration look edited.
      const sql = readFileSync(path, 'utf8').replace(/\r\n/g, '\n');
      return { version: index + 1, name: name!, file, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    });
}
