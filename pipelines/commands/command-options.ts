import type { WarehouseConfig } from '../config.js';
import { logger } from '../logger.js';
import type { RunContext } from '../run/run-context.js';
import type { Warehouse } from '../warehouse/open-warehouse.js';

// A command module imports the library inside run(), never at its top: --help loads every command
// module for its description, and must not wait for DuckDB, Kysely or Arrow to load.

/** Progress goes to stderr (see logger). */
export const log = (line: string) => logger.log(line);

// Writers take the warehouse lock; --wait says how long to wait for another writer.
export const waitArg = {
  type: 'string',
  description: 'seconds to wait when another process is writing the warehouse',
  default: '0',
} as const;

// `--set name=value` (repeatable) overrides a parameter of seeds/parameters.csv for one run.
export const setArg = { type: 'string', description: 'override a parameter of seeds/parameters.csv, name=value (repeatable)' } as const;

export const fullRefreshArg = { type: 'boolean', description: 'rebuild every model, incremental ones in full', default: false } as const;

export const selectArg = {
  type: 'string',
  description: "models: 'name', 'name+' (and downstream), '+name' (and upstream); several separated by spaces",
} as const;

export function selectors(raw: unknown): string[] {
  return raw === undefined
    ? []
    : String(raw)
        .split(/[\s,]+/)
        .filter(Boolean);
}

export function waitSeconds(raw: unknown): number {
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) throw new Error(`--wait takes a number of seconds, not '${raw}'`);
  return seconds;
}

// citty keeps only the last of a repeated option, so every --set is read from the raw arguments.
export function parseSets(argv: string[] = process.argv.slice(2)): Record<string, string> {
  const values = argv.flatMap((arg, index, all) => {
    if (arg === '--set') return all[index + 1] === undefined ? [''] : [all[index + 1]!];
    return arg.startsWith('--set=') ? [arg.slice('--set='.length)] : [];
  });
  return Object.fromEntries(
    values.map((item) => {
      const [name, ...rest] = item.split('=');
      if (!name || rest.length === 0) throw new Error(`--set takes name=value, got '${item}'`);
      return [name, rest.join('=')];
    }),
  );
}

/**
 * What the command's run reads, resolved once, at its start, and passed down: the config (the
 * environment), the parameters with the command's --set overrides, the member salt, the macros and
 * the log. Nothing below the commands reads the environment or seeds/parameters.csv again.
 */
export async function runContext(config?: WarehouseConfig): Promise<RunContext> {
  const { loadConfig } = await import('../config.js');
  const { resolveRunContext } = await import('../run/run-context.js');
  return resolveRunContext(config ?? loadConfig(), { overrides: parseSets(), log });
}

/** Opens the warehouse for the command (a writer takes the lock), runs `work`, and closes it. */
export async function withWarehouse(
  access: { command: string; wait?: unknown } | 'read-only',
  work: (warehouse: Warehouse) => Promise<void>,
): Promise<void> {
  const { loadConfig } = await import('../config.js');
  const { openWarehouse } = await import('../warehouse/open-warehouse.js');
  const { describeStorageFailure } = await import('../warehouse/storage-failure.js');
  const warehouse = await openWarehouse(
    loadConfig(),
    access === 'read-only' ? { readOnly: true } : { command: access.command, waitSeconds: waitSeconds(access.wait), log },
  );
  try {
    await work(warehouse);
  } catch (error) {
    throw describeStorageFailure(error, warehouse.config) ?? error;
  } finally {
    await warehouse.close();
  }
}
