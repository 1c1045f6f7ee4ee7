import { join } from 'node:path';
import { generateShop, type ShopTruth } from '../../pipelines/generate/generate-shop.js';
import { openWarehouse, type Warehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { shopTimeZone } from './repo-seeds.js';
import { runRefresh } from './run-refresh.js';
import { tempConfig } from './temp-warehouse.js';

/**
 * A generated shop (history ending 2026-11-20) refreshed into a new warehouse, with any other
 * `inputs` beside it, handed to `run`.
 */
export async function withRefreshedShop<T>(
  { inputs = [], ...shop }: { members: number; days: number; seed: number; inputs?: string[] },
  run: (warehouse: Warehouse, context: { shopDir: string; truth: ShopTruth }) => Promise<T>,
): Promise<T> {
  const config = tempConfig();
  const shopDir = join(config.dataDir, 'shop');
  const truth = await generateShop({ shopTimeZone, ...shop, endDate: '2026-11-20', outDir: shopDir });
  const warehouse = await openWarehouse(config);
  try {
    await runRefresh(warehouse, { inputs: [shopDir, ...inputs] });
    return await run(warehouse, { shopDir, truth });
  } finally {
    await warehouse.close();
  }
}
