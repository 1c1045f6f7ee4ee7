import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { literal } from '../warehouse/sql-text.js';

export interface Parameter {
  name: string;
  /** NULL for an empty value: "not set", the model's default applies. */
  value: string | null;
  /** The DuckDB type the value is cast to. */
  type: string;
}

/**
 * The one reading of seeds/parameters.csv (name, value, type, description), with `--set`
 * overrides applied; an override of an unknown parameter is an error. Every command that needs
 * a parameter (build, load, freshness, generate) reads it here.
 */
export async function readParameters(seedsDir: string, overrides: Record<string, string> = {}): Promise<Map<string, Parameter>> {
  const path = join(seedsDir, 'parameters.csv');
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    const reader = await connection
      .runAndReadAll(`select name, value, type from read_csv(${literal(path)}, header = true, all_varchar = true) order by name`)
      .catch((error: Error) => {
        throw new Error(`${path}: ${error.message}`);
      });
    connection.closeSync();
    const parameters = new Map(
      reader.getRowObjectsJS().map((row) => {
        const name = String(row.name);
        const value = overrides[name] ?? (row.value as string | null);
        return [name, { name, value: value === '' ? null : value, type: String(row.type) }];
      }),
    );
    const unknown = Object.keys(overrides).filter((name) => !parameters.has(name));
    if (unknown.length > 0) throw new Error(`unknown parameter ${unknown.join(', ')} (see seeds/parameters.csv)`);
    return parameters;
  } finally {
    instance.closeSync();
  }
}

/** A parameter's value, which must be set. */
export function requiredParameter(parameters: Map<string, Parameter>, name: string): string {
  const value = parameters.get(name)?.value;
  if (value === null || value === undefined) throw new Error(`seeds/parameters.csv: ${name} must be set`);
  return value;
}
