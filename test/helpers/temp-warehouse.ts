import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type WarehouseConfig } from '../../pipelines/config.js';
import { openWarehouse, type Warehouse } from '../../pipelines/warehouse/open-warehouse.js';

/** A fresh folder standing in for `data/`, with config pointing into it and at the repo's models. */
export function tempConfig(overrides: Partial<WarehouseConfig> = {}): WarehouseConfig {
  const dataDir = mkdtempSync(join(tmpdir(), 'warehouse-test-'));
  const config = loadConfig({ WAREHOUSE_DATA_DIR: dataDir, WAREHOUSE_MEMORY_LIMIT: '2GB', WAREHOUSE_MEMBER_SALT: 'test-salt-0001' });
  return { ...config, ...overrides };
}

export async function withWarehouse<T>(run: (warehouse: Warehouse) => Promise<T>, overrides: Partial<WarehouseConfig> = {}): Promise<T> {
  const config = tempConfig(overrides);
  const warehouse = await openWarehouse(config);
  try {
    return await run(warehouse);
  } finally {
    await warehouse.close();
    rmSync(config.dataDir, { recursive: true, force: true });
  }
}
