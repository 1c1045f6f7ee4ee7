import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { basename, join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { isInside } from '../is-inside.js';
import type { Database } from '../warehouse/database.js';
import { literal } from '../warehouse/sql-text.js';

/** The declared column types of every seed. */
export const seedTypesFile = 'seed_types.csv';

/**
 * Loads `seeds/<stem>.csv` into `seeds.<stem>` with the column types declared in
 * `seeds/seed_types.csv` (seed, column, type), so that '001' stays text and money stays DECIMAL.
 */
export async function loadSeeds(db: Kysely<Database>, seedsDir: string): Promise<string[]> {
  const statements = seedStatements(seedsDir);
  for (const { stem, statement } of statements) {
    try {
      await sql.raw(statement).execute(db);
    } catch (error) {
      throw new Error(`seeds/${stem}.csv: ${(error as Error).message}`);
    }
  }
  return statements.map(({ stem }) => stem);
}

/**
 * The seed files, `seeds/<stem>.csv`, which the build may read (and nothing else outside the
 * warehouse): each must be a file of the folder, not a link out of it, since a seed is loaded and
 * may be published.
 */
export function seedFiles(seedsDir: string): Array<{ stem: string; path: string }> {
  const folder = realpathSync(seedsDir);
  return readdirSync(seedsDir)
    .filter((file) => file.endsWith('.csv') && file !== seedTypesFile)
    .map((file) => basename(file, '.csv'))
    .sort()
    .map((stem) => {
      const path = join(seedsDir, `${stem}.csv`);
      if (!isInside(realpathSync(path), folder))
        throw new Error(`seeds/${stem}.csv links to a file outside seeds/: make it a file of the seeds folder`);
      return { stem, path };
    });
}

/** The statement that (re)creates each seed table from its CSV file. */
export function seedStatements(seedsDir: string): Array<{ stem: string; statement: string }> {
  const declared = readSeedTypes(seedsDir);
  return seedFiles(seedsDir).map(({ stem, path }) => {
    const header = (readFileSync(path, 'utf8').split(/\r?\n/, 1)[0] ?? '')
      .replace(/^\uFEFF/, '')
      .split(',')
      .map((name) => name.trim());
    const columns = header.map((column) => {
      const type = declared.get(`${stem}.${column}`);
      if (!type)
        throw new Error(
          `seeds/${stem}.csv: column '${column}' has no type; add a line '${stem},${column},<type>' to seeds/${seedTypesFile}`,
        );
      return `${literal(column)}: ${literal(type)}`;
    });
    return {
      stem,
      statement: `create or replace table seeds.${stem} as
        select * from read_csv(${literal(path)}, header = true, auto_detect = false, columns = {${columns.join(', ')}})`,
    };
  });
}

function readSeedTypes(seedsDir: string): Map<string, string> {
  const lines = readFileSync(join(seedsDir, seedTypesFile), 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => line.trim() !== '');
  return new Map(
    lines.map((line) => {
      const [seed, column, ...type] = line.split(',').map((part) => part.trim());
      return [`${seed}.${column}`, type.join(',').replace(/^"|"$/g, '')];
    }),
  );
}
