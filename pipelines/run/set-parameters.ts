import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { literal } from '../warehouse/sql-text.js';
import type { Parameter } from './read-parameters.js';

/**
 * Every parameter becomes a DuckDB variable of its declared type, read in models with
 * getvariable('name'); an empty value is NULL ("not set": the model's default applies).
 */
export async function setParameters(db: Kysely<Database>, parameters: Map<string, Parameter>): Promise<void> {
  for (const { name, value, type, statement } of parameterStatements(parameters)) {
    try {
      await sql.raw(statement).execute(db);
    } catch (error) {
      throw new Error(`seeds/parameters.csv: parameter ${name} = '${value}' is not a ${type}: ${(error as Error).message}`);
    }
  }
}

/** The `set variable` statement of every parameter. */
export function parameterStatements(parameters: Map<string, Parameter>): Array<Parameter & { statement: string }> {
  return [...parameters.values()].map((parameter) => {
    if (!/^[a-z_][a-z0-9_]*$/.test(parameter.name))
      throw new Error(`seeds/parameters.csv: '${parameter.name}' is not a parameter name (a-z, 0-9, _)`);
    const value = parameter.value === null ? 'null' : literal(parameter.value);
    return { ...parameter, statement: `set variable ${parameter.name} = cast(${value} as ${parameter.type})` };
  });
}
