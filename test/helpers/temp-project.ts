import { cpSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { loadConfig, type WarehouseConfig } from '../../pipelines/config.js';

export const repoDir = resolve(import.meta.dirname, '../..');

/**
 * A throw-away project: the given models, assertions and seed files in their usual folders
 * (seeds default to the repo's), with its own data folder.
 */
export function tempProject(files: {
  models?: Record<string, string>;
  assertions?: Record<string, string>;
  seeds?: Record<string, string>;
}): WarehouseConfig {
  const projectDir = mkdtempSync(join(tmpdir(), 'warehouse-project-'));
  cpSync(join(repoDir, 'seeds'), join(projectDir, 'seeds'), { recursive: true });
  mkdirSync(join(projectDir, 'models'));
  cpSync(join(repoDir, 'models/macros.sql'), join(projectDir, 'models/macros.sql'));
  const write = (folder: string, entries: Record<string, string> = {}) => {
    for (const [name, content] of Object.entries(entries)) {
      const path = join(projectDir, folder, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
  };
  write('models', files.models);
  write('models/assertions', files.assertions);
  write('seeds', files.seeds);
  return loadConfig({ WAREHOUSE_DATA_DIR: 'data', WAREHOUSE_MEMORY_LIMIT: '1GB', WAREHOUSE_MEMBER_SALT: 'test-salt-0001' }, projectDir);
}

/** The repository's seeds folder, where loads read the shop time zone. */
export const seedsDir = join(repoDir, 'seeds');
