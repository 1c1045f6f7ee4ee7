import { cpSync, lstatSync, mkdirSync, readdirSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
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
  const instance = await DuckDBInstance.create(martsFile, { access_mode: 'READ_ONLY' });
  try {
    const connection = await instance.connect();
    const reader = await connection.runAndReadAll(
      "select table_name from information_schema.tables where table_schema = 'marts' order by table_name",
    );
    connection.closeSync();
    // Model names are plain identifiers (discover-models.ts); anything else is no file name.
    return reader
      .getRows()
      .map(([table]) => String(table))
      .filter((table) => /^[a-z_][a-z0-9_]*$/.test(table));
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
