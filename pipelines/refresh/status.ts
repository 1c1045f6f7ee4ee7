import { existsSync, realpathSync, statSync } from 'node:fs';
import type { WarehouseConfig } from '../config.js';
import { siteDir } from '../publish/build-site.js';
import { publishedMartsPath } from '../publish/publish-marts.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import { runQuery } from '../warehouse/run-query.js';
import { lockPathOf, readHolder } from '../warehouse/warehouse-lock.js';

/** What a scheduler's operator wants to know: who holds the lock, the last runs, what is published. */
export async function describeStatus(config: WarehouseConfig): Promise<string> {
  const holder = readHolder(lockPathOf(config.warehousePath));
  const sections = [
    `warehouse  ${config.warehousePath}${existsSync(config.warehousePath) ? '' : ' (not built yet)'}`,
    `lock       ${holder ? `held by '${holder.command}' (pid ${holder.pid} on ${holder.host}, since ${holder.since})` : 'free'}`,
    `published  ${describeFile(publishedMartsPath(config))}`,
    `site       ${describeFile(siteDir(config))}`,
  ];
  if (!existsSync(config.warehousePath)) return `${sections.join('\n')}\n`;
  try {
    const warehouse = await openWarehouse(config, { readOnly: true });
    try {
      sections.push(
        '',
        'last runs',
        await runQuery(
          warehouse.db,
          `
        select run_id, command, status, started_at, round(date_diff('millisecond', started_at, finished_at) / 1000, 1) as seconds,
               left(message, 100) as message
        from ops.runs order by run_id desc limit 5`,
          'table',
        ),
      );
      sections.push(
        'last freshness check and failed tests',
        await runQuery(
          warehouse.db,
          `
        select run_id, model, test, status, failing_rows from ops.test_results
        where run_id = (select max(run_id) from ops.test_results) and (status <> 'pass' or model = 'freshness')
        order by model, test`,
          'table',
        ),
      );
    } finally {
      await warehouse.close();
    }
  } catch (error) {
    sections.push('', `run log unavailable: ${(error as Error).message}`);
  }
  return `${sections.join('\n')}\n`;
}

function describeFile(path: string): string {
  if (!existsSync(path)) return `${path} (none yet)`;
  const real = realpathSync(path);
  return `${path}${real === path ? '' : ` → ${real}`}, written ${statSync(real).mtime.toISOString()}`;
}
