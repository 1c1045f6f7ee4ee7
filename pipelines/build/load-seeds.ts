import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sql, type Kysely } from 'kysely';

const typesFile = 'seed_types.csv';

/**
 * Loads `seeds/<stem>.csv` into `seeds.<stem>` with the column types declared in
 * `seeds/seed_types.csv` (seed, column, type), so that '001' stays text and money stays DECIMAL.
 */
export async function loadSeeds(db: Kysely<any>, seedsDir: string): Promise<string[]> {
  const statements = seedStatements(seedsDir);
  for (const { stem, statement } of statements) {
    try {
      await sql.raw(statement).execute(db);
    } catch (error) {
      throw new Error(`seeds/${stem}.csv: ${(error as Error).message}`);
    }
  }
  return statements.map(({ stem }) => stem);
}

/** The statement that (re)creates each seed table from its CSV file. */
export function seedStatements(seedsDir: string): Array<{ stem: string; statement: string }> {
  const declared = readSeedTypes(seedsDir);
  const stems = readdirSync(seedsDir).filter((file) => file.endsWith('.csv') && file !== typesFile).map((file) => basename(file, '.csv')).sort();
  return stems.map((stem) => {
    const path = join(seedsDir, `${stem}.csv`);
    const header = (readFileSync(path, 'utf8').split(/\r?\n/, 1)[0] ?? '').replace(/^\uFEFF/, '').split(',').map((name) => name.trim());
    const columns = header.map((column) => {
      const type = declared.get(`${stem}.${column}`);
      if (!type) throw new Error(`seeds/${stem}.csv: column '${column}' has no type; add a line '${stem},${column},<type>' to seeds/${typesFile}`);
      return `'${column}': '${type}'`;
    });
    return { stem, statement: `create or replace table seeds.${stem} as
        select * from read_csv('${path.replaceAll("'", "''")}', header = true, auto_detect = false, columns = {${columns.join(', ')}})` };
  });
}

function readSeedTypes(seedsDir: string): Map<string, string> {
  const lines = readFileSync(join(seedsDir, typesFile), 'utf8').split(/\r?\n/).slice(1).filter((line) => line.trim() !== '');
  return new Map(lines.map((line) => {
    const [seed, column, ...type] = line.split(',').map((part) => part.trim());
    return [`${seed}.${column}`, type.join(',').replace(/^"|"$/g, '')];
  }));
}

/**
 * Every row of seeds.parameters becomes a DuckDB variable of its declared type, read in
 * models with getvariable('name'). An empty value is NULL ("not set": the model's default applies).
 */
export async function setParameters(db: Kysely<any>, overrides: Record<string, string> = {}): Promise<Record<string, string | null>> {
  const { values, statements } = await parameterStatements(db, overrides);
  for (const { name, type, statement } of statements) {
    try {
      await sql.raw(statement).execute(db);
    } catch (error) {
      throw new Error(`seeds/parameters.csv: parameter ${name} = '${values[name]}' is not a ${type}: ${(error as Error).message}`);
    }
  }
  return values;
}

/** The `set variable` statement of every parameter, with the values they set. */
export async function parameterStatements(db: Kysely<any>, overrides: Record<string, string> = {}) {
  const { rows } = await sql<{ name: string; value: string | null; type: string }>`
    select name, value, type from seeds.parameters order by name`.execute(db);
  const values: Record<string, string | null> = {};
  const statements = rows.map((row) => {
    const value = overrides[row.name] ?? row.value;
    values[row.name] = value;
    return { name: row.name, type: row.type, statement: `set variable ${row.name} = cast(${value === null || value === '' ? 'null' : `'${value.replaceAll("'", "''")}'`} as ${row.type})` };
  });
  const unknown = Object.keys(overrides).filter((name) => !(name in values));
  if (unknown.length > 0) throw new Error(`unknown parameter ${unknown.join(', ')} (see seeds/parameters.csv)`);
  return { values, statements };
}
