import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WarehouseConfig } from '../config.js';
import { generateShop } from '../generate/generate-shop.js';
import { siteDir } from '../publish/build-site.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import { refresh } from './refresh.js';

// The embedded default: a small generated shop whose history ends yesterday, so that its first
// refresh is fresh. It is generated once; later runs reuse it.
export const sampleShop = { members: 20_000, days: 730, seed: 20261111 };

/** Sample shop → warehouse → models → data tests → published marts → report site. */
export async function runMainJob(config: WarehouseConfig, log: (line: string) => void): Promise<void> {
  const sampleDir = join(config.dataDir, 'sample');
  if (existsSync(join(sampleDir, 'truth.json'))) log(`using the sample shop in ${sampleDir}`);
  else await generateShop({ ...sampleShop, outDir: sampleDir, seedsDir: config.seedsDir }, log);
  const warehouse = await openWarehouse(config, { command: 'main', log });
  try {
    await refresh(warehouse, { inputs: [sampleDir], site: true, log });
  } finally {
    await warehouse.close();
  }
  log(`done: warehouse ${config.warehousePath}; report site ${siteDir(config)} (npm run serve)`);
}
