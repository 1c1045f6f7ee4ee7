import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import type { WarehouseConfig } from '../config.js';
import { Archive, manifestName } from '../load/archive-file.js';
import type { RunContext } from '../run/run-context.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import { refresh } from './refresh.js';

export interface RebuildOptions {
  site?: boolean;
  waitSeconds?: number;
}

export interface Rebuilt {
  /** Archived files loaded (or skipped again as second deliveries). */
  files: number;
  /** Where the warehouse file was moved, when there was one. */
  aside: string | undefined;
}

/**
 * Rebuilds the warehouse from the archive, the loaded files being the source of truth: the current
 * file (damaged, or not) is moved aside, a new one created, every archived file loaded in the order
 * it was first loaded and read as it was then, and the models built, tested and published as a
 * refresh does. The member salt is left as it is, so member keys come out the same.
 */
export async function rebuildWarehouse(context: RunContext, options: RebuildOptions = {}): Promise<Rebuilt> {
  const { config, log } = context;
  const archive = new Archive(config.archiveDir);
  let aside: string | undefined;
  const inputs = archive.entries.map((entry) => ({ path: archive.locate(entry), read: entry.read, entry }));
  const warehouse = await openWarehouse(config, {
    command: 'rebuild',
    waitSeconds: options.waitSeconds,
    log,
    // Everything is checked before the file is moved: a rebuild that cannot be done changes nothing.
    beforeOpen: async () => {
      if (inputs.length === 0) throw new Error(`nothing to rebuild from: ${join(config.archiveDir, manifestName)} lists no files`);
      const missing = inputs.filter((input) => input.path === undefined).map((input) => join(config.archiveDir, input.entry.archived));
      if (missing.length > 0)
        throw new Error(`the archive lacks ${missing.length} of its files, so nothing was changed: ${missing.join(', ')}`);
      await refuseLosingFiles(config, archive);
      aside = moveAside(config.warehousePath);
      if (aside) log(`moved ${config.warehousePath} aside to ${aside}`);
      log(`rebuilding from ${inputs.length} archived files`);
    },
  });
  try {
    await refresh(warehouse, context, {
      inputs: inputs.map((input) => ({ path: input.path!, read: input.read })),
      site: options.site,
      command: 'rebuild',
    });
  } finally {
    await warehouse.close();
  }
  return { files: inputs.length, aside };
}

// A warehouse that can still be read may hold files loaded before this version archived them:
// rebuilding it would lose them.
async function refuseLosingFiles(config: WarehouseConfig, archive: Archive): Promise<void> {
  if (!existsSync(config.warehousePath)) return;
  let loaded: Array<{ content_hash: string; path: string }>;
  try {
    const current = await openWarehouse(config, { readOnly: true });
    try {
      loaded = (
        await sql<{ content_hash: string; path: string }>`select content_hash, min(path) as path from ops.loaded_files group by 1`.execute(
          current.db,
        )
      ).rows;
    } finally {
      await current.close();
    }
  } catch {
    return; // Damaged: what it held is what the archive holds.
  }
  const archived = new Set(archive.entries.map((entry) => entry.content_hash));
  const lost = loaded.filter((file) => !archived.has(file.content_hash));
  if (lost.length > 0)
    throw new Error(
      `the warehouse can still be read, and ${lost.length} of the files loaded into it are not in the archive (loaded before files were archived), so nothing was changed: ${lost.map((file) => file.path).join(', ')}; a refresh archives those still in the inbox; to rebuild without the others, move ${config.warehousePath} away first`,
    );
}

function moveAside(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const aside = `${path}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  // The log goes with its file: DuckDB looks for <file>.wal.
  if (existsSync(`${path}.wal`)) renameSync(`${path}.wal`, `${aside}.wal`);
  renameSync(path, aside);
  return aside;
}
