import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { WarehouseConfig } from './config.js';
import { generateShop } from './generate/generate-shop.js';
import { siteDir } from './publish/build-site.js';
import { refresh } from './refresh.js';
import { openWarehouse } from './warehouse/open-warehouse.js';

// The embedded default: a small generated shop, fixed so that every fresh machine gets the same numbers.
export const sampleShop = { members: 20_000, days: 730, endDate: '2026-11-20', seed: 20261111 };

/** Sample shop → warehouse → models → data tests → published marts → report site. */
export async function runMainJob(config: WarehouseConfig, log: (line: string) => void): Promise<void> {
  const sampleDir = join(config.dataDir, 'sample');
  if (existsSync(join(sampleDir, 'truth.json'))) log(`using the sample shop in ${sampleDir}`);
  else await generateShop({ ...sampleShop, outDir: sampleDir, regionTiersPath: join(config.seedsDir, 'region_tiers.csv') }, log);
  const warehouse = await openWarehouse(config, { command: 'main', log });
  try {
    await refresh(warehouse, { inputs: [sampleDir], site: true, log });
  } finally {
    await warehouse.close();
  }
  log(`done: warehouse ${config.warehousePath}; report site ${siteDir(config)} (npm run serve)`);
}
