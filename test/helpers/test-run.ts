import type { WarehouseConfig } from '../../pipelines/config.js';
import { type Run, resolveRunContext } from '../../pipelines/run/run-context.js';

/** The context a command resolves at its start, with the run's id: what a build or a test is given. */
export async function testRun(
  config: WarehouseConfig,
  runId: number,
  { parameters, log }: { parameters?: Record<string, string>; log?: (line: string) => void } = {},
): Promise<Run> {
  return { ...(await resolveRunContext(config, { overrides: parameters, log })), runId };
}
