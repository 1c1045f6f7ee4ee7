import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Kysely } from 'kysely';
import { inferDependencies } from './infer-dependencies.js';
import { ModelError, type Assertion, type Model } from './model.js';
import { parseModelHeader } from './parse-model-header.js';

export const modelSchemas = ['staging', 'intermediate', 'marts'] as const;

/** Every `models/<schema>/<table>.sql`, with its header parsed and its upstream relations inferred. */
export async function discoverModels(db: Kysely<any>, modelsDir: string, projectDir: string): Promise<Model[]> {
  const models: Model[] = [];
  for (const path of listSqlFiles(modelsDir)) {
    const file = relative(projectDir, path);
    const schema = basename(dirname(path));
    if (dirname(dirname(path)) !== modelsDir || !(modelSchemas as readonly string[]).includes(schema)) {
      throw new ModelError(file, `models live directly in one of models/${modelSchemas.join(', models/')}`);
    }
    const table = basename(path, '.sql');
    const sql = readModelSql(path, file);
    const header = parseModelHeader(file, sql);
    const materialized = header.materialized ?? (schema === 'staging' ? 'view' : 'table');
    // A view is evaluated by whoever reads it, in a session where the parameters are not set.
    if (materialized === 'view' && /\b(getvariable|member_key|lifecycle_stage|rfm_threshold)\s*\(/i.test(sql)) {
      throw new ModelError(file, 'a view cannot read parameters (getvariable, member_key, lifecycle_stage, rfm_threshold): readers would see them unset; add "-- materialized: table"');
    }
    models.push({
      name: `${schema}.${table}`,
      schema,
      table,
      file,
      sql,
      description: header.description,
      grain: header.grain,
      materialized,
      incrementalKey: header.incrementalKey,
      tests: header.tests,
      dependsOn: await inferDependencies(db, file, sql),
    });
  }
  return models;
}

export async function discoverAssertions(db: Kysely<any>, assertionsDir: string, projectDir: string): Promise<Assertion[]> {
  const assertions: Assertion[] = [];
  for (const path of listSqlFiles(assertionsDir)) {
    const file = relative(projectDir, path);
    const sql = readModelSql(path, file);
    assertions.push({
      name: basename(path, '.sql'),
      file,
      sql,
      description: parseModelHeader(file, sql).description,
      dependsOn: await inferDependencies(db, file, sql),
    });
  }
  return assertions;
}

function listSqlFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return [];
  }
  return entries.filter((entry) => entry.endsWith('.sql')).map((entry) => join(dir, entry)).sort();
}

// A model is one query; the trailing semicolon is optional.
function readModelSql(path: string, file: string): string {
  const sql = readFileSync(path, 'utf8').trimEnd().replace(/;$/, '');
  if (sql.trim() === '') throw new ModelError(file, 'the file is empty');
  return sql;
}
