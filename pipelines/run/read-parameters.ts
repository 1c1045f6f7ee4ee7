import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { quoted } from '../quoted.js';
import { shopToday } from '../shop-today.js';
import { literal } from '../warehouse/sql-text.js';

export interface Parameter {
  name: string;
  /** NULL for an empty value: "not set", the model's default applies. */
  value: string | null;
  /** The DuckDB type the value is cast to. */
  type: string;
}

const domainsSql = readFileSync(new URL('./parameter-domains.sql', import.meta.url), 'utf8');

// What to write instead of a value that is not of its type.
const typeHints: Record<string, string> = {
  integer: 'a whole number',
  double: 'a number',
  boolean: 'true or false',
  date: 'a date that exists, as YYYY-MM-DD',
  time: 'a time of day, as HH:MM',
};

/**
 * The one reading of seeds/parameters.csv (name, value, type, description), with `--set`
 * overrides applied; an override of an unknown parameter is an error, and so is a value that is
 * not of its type, not one of its allowed values (parameter-domains.sql), or an as-of date after
 * today in the shop's time zone. A run reads it once, at its start (run-context.ts).
 */
export async function readParameters(seedsDir: string, overrides: Record<string, string> = {}): Promise<Map<string, Parameter>> {
  const path = join(seedsDir, 'parameters.csv');
  const instance = await DuckDBInstance.create(':memory:');
  try {
    const connection = await instance.connect();
    try {
      const reader = await connection
        .runAndReadAll(`select name, value, type from read_csv(${literal(path)}, header = true, all_varchar = true) order by name`)
        .catch((error: Error) => {
          throw new Error(`${path}: ${error.message}`);
        });
      const parameters = new Map(
        reader.getRowObjectsJS().map((row) => {
          const name = String(row.name);
          const value = overrides[name] ?? (row.value as string | null);
          return [name, { name, value: value === '' ? null : value, type: String(row.type) }];
        }),
      );
      const unknown = Object.keys(overrides).filter((name) => !parameters.has(name));
      if (unknown.length > 0) throw new Error(`unknown parameter ${unknown.join(', ')} (see seeds/parameters.csv)`);
      const problems = await parameterProblems(connection, seedsDir, parameters, overrides);
      if (problems.length > 0) throw new Error(problems.join('; '));
      return parameters;
    } finally {
      connection.closeSync();
    }
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

// A value the models would cast or compare without a word: a purchase grain of 'week' counts
// nothing, a time zone of Mars fails deep in a load, an as-of date after today calls every buyer
// churned.
async function parameterProblems(
  connection: DuckDBConnection,
  seedsDir: string,
  parameters: Map<string, Parameter>,
  overrides: Record<string, string>,
): Promise<string[]> {
  const where = (parameter: Parameter) =>
    `${parameter.name in overrides ? '--set ' : 'seeds/parameters.csv: '}${parameter.name} = ${quoted(parameter.value ?? '')}`;
  const domains = await allowedValues(connection, seedsDir, parameters);
  const given = [...parameters.values()].filter((parameter) => parameter.value !== null);
  const typed = await ofTheirType(connection, given);
  const problems: string[] = [];
  const valid = new Set<string>();
  for (const parameter of given) {
    const allowed = domains.get(parameter.name);
    if (!typed.has(parameter.name)) {
      problems.push(
        `${where(parameter)} is not of type ${parameter.type}: give ${typeHints[parameter.type] ?? `a value of type ${parameter.type}`}`,
      );
    } else if (allowed && !allowed.values.includes(parameter.value ?? '')) {
      const give =
        allowed.values.length <= 12
          ? `${allowed.values.slice(0, -1).join(', ')} or ${allowed.values.at(-1)} (${allowed.domain})`
          : `one of the ${allowed.values.length} ${allowed.domain}`;
      problems.push(`${where(parameter)} is not allowed: give ${give}`);
    } else valid.add(parameter.name);
  }
  const asOf = parameters.get('as_of_date');
  const zone = parameters.get('shop_time_zone')?.value;
  if (asOf?.value && valid.has('as_of_date') && zone && valid.has('shop_time_zone')) {
    const today = shopToday(zone);
    const after = await connection.runAndReadAll(`select ${literal(asOf.value)}::date > ${literal(today)}::date as after`);
    if (after.getRowObjectsJS()[0]?.after)
      problems.push(
        `${where(asOf)} is after today (${today} in ${zone}): give a day up to today, or leave as_of_date empty for the day of the latest purchase`,
      );
  }
  return problems;
}

// The names of the parameters whose value is of their type, in one query.
async function ofTheirType(connection: DuckDBConnection, parameters: Parameter[]): Promise<Set<string>> {
  const checks = parameters.map(({ name, value, type }) => {
    const text = literal(value ?? '');
    // DuckDB rounds '1.5' to an integer 2: a whole number must stay what it was.
    const whole = /^(tiny|small|big|huge)?int(eger|\d+)?$/i.test(type)
      ? ` and try_cast(${text} as double) = try_cast(${text} as ${type})`
      : '';
    // DuckDB reads '2026-01-01 and anything after' as that day: a date must be the day alone.
    const day = /^date$/i.test(type) ? ` and try_cast(${text} as date)::varchar = ${text}` : '';
    return `select ${literal(name)} as name where try_cast(${text} as ${type}) is not null${whole}${day}`;
  });
  if (checks.length === 0) return new Set();
  const reader = await connection.runAndReadAll(checks.join(' union all ')).catch((error: Error) => {
    throw new Error(`seeds/parameters.csv: a type in its type column is not a DuckDB type: ${error.message.split('\n')[0]}`);
  });
  return new Set(reader.getRowObjectsJS().map((row) => String(row.name)));
}

// Each parameter's allowed values, in the seed's order; a value of parameter_values.csv for a
// parameter that does not exist is a mistake in the seed.
async function allowedValues(connection: DuckDBConnection, seedsDir: string, parameters: Map<string, Parameter>) {
  await connection.run(`set variable parameter_values_path = ${literal(join(seedsDir, 'parameter_values.csv'))}`);
  const reader = await connection.runAndReadAll(domainsSql).catch((error: Error) => {
    throw new Error(`seeds/parameter_values.csv: ${error.message}`);
  });
  const domains = new Map<string, { values: string[]; domain: string }>();
  for (const row of reader.getRowObjectsJS()) {
    const name = String(row.parameter);
    if (!parameters.has(name))
      throw new Error(`seeds/parameter_values.csv: ${quoted(name)} is not a parameter of seeds/parameters.csv; correct or remove its rows`);
    const domain = domains.get(name) ?? { values: [], domain: String(row.domain) };
    domain.values.push(String(row.value));
    domains.set(name, domain);
  }
  return domains;
}
