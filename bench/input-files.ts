import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { detectTable } from '../pipelines/load/detect-input.js';

const tables = ['orders', 'order_items', 'members', 'campaigns', 'campaign_contacts', 'products', 'shipments', 'reviews', 'refunds'];

/**
 * The CSV files of a shop folder in load order (sorted by name, as a folder loads), each with the
 * raw table its name says it fills: a later file's row of an order is a status update.
 */
export function inputFiles(inputDir: string): Array<{ path: string; table: string }> {
  return readdirSync(inputDir)
    .filter((file) => file.endsWith('.csv'))
    .sort()
    .map((file) => ({ path: join(inputDir, file), table: detectTable(file, tables) }));
}
