import type { WarehouseConfig } from '../config.js';
import { memberSalt } from './member-salt.js';
import { type Macros, readMacros } from './read-macros.js';
import { type Parameter, readParameters } from './read-parameters.js';

/**
 * What a command resolves once, at its start, and every step of its run reads: so that a file
 * edited mid-run (seeds/parameters.csv, models/macros.sql) cannot give two steps two values.
 */
export interface RunContext {
  config: WarehouseConfig;
  /** seeds/parameters.csv with the command's `--set` overrides, read and checked once. */
  parameters: Map<string, Parameter>;
  memberSalt: string;
  macros: Macros;
  log: (line: string) => void;
}

/** A run context with its row in ops.runs (withRun). */
export interface Run extends RunContext {
  runId: number;
}

export async function resolveRunContext(
  config: WarehouseConfig,
  options: { overrides?: Record<string, string>; log?: (line: string) => void } = {},
): Promise<RunContext> {
  return {
    config,
    parameters: await readParameters(config.seedsDir, options.overrides),
    memberSalt: memberSalt(config),
    macros: readMacros(config.modelsDir),
    log: options.log ?? (() => {}),
  };
}
