import {
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { WarehouseConfig } from '../config.js';

// What Evidence writes into its project folder; everything else there is the site's source.
export const evidenceOutputs = new Set(['.evidence', 'build']);

/**
 * A copy of reports/ in the data folder, with its node_modules linked, that Evidence builds or
 * serves in: the checkout's reports/ is never written, and warehouses with their own data folders
 * (the tests') work apart. Evidence's outputs stay from one run to the next.
 */
export function siteWorkspace(config: WarehouseConfig, name: 'site-workspace' | 'dev-workspace'): string {
  const reportsDir = join(config.projectDir, 'reports');
  const workspace = join(config.dataDir, name);
  mkdirSync(workspace, { recursive: true });
  for (const entry of readdirSync(workspace)) {
    const path = join(workspace, entry);
    // The node_modules link goes as a link, never into the folder it points at.
    if (lstatSync(path).isSymbolicLink()) unlinkSync(path);
    else if (!evidenceOutputs.has(entry)) rmSync(path, { recursive: true, force: true });
  }
  for (const entry of readdirSync(reportsDir)) {
    if (entry === 'node_modules' || evidenceOutputs.has(entry)) continue;
    cpSync(join(reportsDir, entry), join(workspace, entry), { recursive: true });
  }
  symlinkSync(join(reportsDir, 'node_modules'), join(workspace, 'node_modules'));
  return workspace;
}

/** The tables of a published (or development) marts file. */
export async function martTables(martsFile: string): Promise<string[]> {
  const rows = await readMartsFile(
    martsFile,
    "select table_name from information_schema.tables where table_schema = 'marts' order by table_name",
  );
  // Model names are plain identifiers (discover-models.ts); anything else is no file name.
  return rows.map(([table]) => String(table)).filter((table) => /^[a-z_][a-z0-9_]*$/.test(table));
}

/**
 * The marts of `tables` that Evidence must extract from `martsFile` into the workspace: all but
 * those whose state the file records (publish-marts.ts) is the one of the last extraction, by the
 * same site sources, whose file is still there. `record()`, once extracted, makes this
 * extraction the last; until then there is none, so that a failed one is not built on.
 */
export async function martsToExtract(
  workspace: string,
  martsFile: string,
  tables: string[],
  sourcesDigest: string,
): Promise<{ marts: string[]; record(): void }> {
  const stamp = join(workspace, '.evidence/extracted-marts.json');
  const last: { sources?: string; states?: Record<string, string> } = existsSync(stamp) ? JSON.parse(readFileSync(stamp, 'utf8')) : {};
  rmSync(stamp, { force: true });
  const rows = await readMartsFile(
    martsFile,
    "select mart, state from duckdb_tables() join _published.mart_states on mart = table_name where schema_name = 'marts'",
  ).catch(() => []);
  const states = Object.fromEntries(rows.map(([mart, state]) => [String(mart), String(state)]));
  const extracted = (table: string) =>
    last.sources === sourcesDigest &&
    states[table] !== undefined &&
    last.states?.[table] === states[table] &&
    existsSync(join(workspace, '.evidence/template/static/data/marts', table, `${table}.parquet`));
  return {
    marts: tables.filter((table) => !extracted(table)),
    record: () => writeFileSync(stamp, JSON.stringify({ sources: sourcesDigest, states })),
  };
}

async function readMartsFile(martsFile: string, query: string) {
  const instance = await DuckDBInstance.create(martsFile, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    try {
      return (await connection.runAndReadAll(query)).getRows();
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}

/**
 * One Evidence source query per mart, `select * from marts.<mart>`, written into the workspace's
 * sources/marts/ beside its connection.yaml: a new mart is on the pages with nothing to write.
 * A file whose mart is gone goes too. Returns the marts whose file is new.
 */
export function writeMartSources(workspace: string, tables: string[], rewrite: ReadonlySet<string> = new Set()): string[] {
  const dir = join(workspace, 'sources/marts');
  mkdirSync(dir, { recursive: true });
  const wanted = new Set(tables.map((table) => `${table}.sql`));
  const present = new Set(readdirSync(dir).filter((entry) => entry.endsWith('.sql')));
  for (const entry of present) if (!wanted.has(entry)) rmSync(join(dir, entry));
  const added = tables.filter((table) => !present.has(`${table}.sql`));
  for (const table of tables) {
    if (present.has(`${table}.sql`) && !rewrite.has(table)) continue;
    writeFileSync(join(dir, `${table}.sql`), `select * from marts.${table}\n`);
  }
  return added;
}
