import type { RefreshOptions } from '../../pipelines/refresh/refresh.js';
import { refresh } from '../../pipelines/refresh/refresh.js';
import { resolveRunContext } from '../../pipelines/run/run-context.js';
import type { Warehouse } from '../../pipelines/warehouse/open-warehouse.js';

/** A refresh as the command runs one: its context resolved first, with `parameters` as its --set overrides. */
export async function runRefresh(
  warehouse: Warehouse,
  { parameters, log, ...options }: RefreshOptions & { parameters?: Record<string, string>; log?: (line: string) => void } = {},
): Promise<void> {
  await refresh(warehouse, await resolveRunContext(warehouse.config, { overrides: parameters, log }), options);
}
