import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { generateShop } from '../generate/generate-shop.js';
import { siteDir } from '../publish/build-site.js';
import { requiredParameter } from '../run/read-parameters.js';
import type { RunContext } from '../run/run-context.js';
import { shopToday } from '../shop-today.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import { refresh } from './refresh.js';

// The embedded default: a small generated shop whose history ends yesterday, so that its first
// refresh is fresh. It is generated once; later runs reuse it.
export const sampleShop = { members: 20_000, days: 730, seed: 20261111 };

/** Sample shop → warehouse → models → data tests → published marts → report site. */
export async function runMainJob(context: RunContext): Promise<void> {
  const { config, log } = context;
  const sampleDir = join(config.dataDir, 'sample');
  if (existsSync(join(sampleDir, 'truth.json'))) log(`using the sample shop in ${sampleDir}`);
  else {
    const shopTimeZone = requiredParameter(context.parameters, 'shop_time_zone');
    const endDate = shopToday(shopTimeZone, new Date(), 1);
    await generateShop({ ...sampleShop, shopTimeZone, endDate, outDir: sampleDir, seedsDir: config.seedsDir }, log);
  }
  const warehouse = await openWarehouse(config, { command: 'main', log });
  try {
    await refresh(warehouse, context, { inputs: [sampleDir], site: true });
  } finally {
    await warehouse.close();
  }
  log(`done: warehouse ${config.warehousePath}; report site ${siteDir(config)} (npm run serve)`);
}
