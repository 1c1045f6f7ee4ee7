import { readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import type { Kysely } from 'kysely';
import { type Macros, macrosCalled } from '../run/read-macros.js';
import type { Database } from '../warehouse/database.js';
import { audienceHeadersModel, checkAudienceChannels, parseAudienceHeader } from './audience-header.js';
import { inferDependencies } from './infer-dependencies.js';
import { type Assertion, type Model, ModelError } from './model.js';
import { parseModelHeader } from './parse-model-header.js';

export const modelSchemas = ['staging', 'intermediate', 'marts', 'audiences', 'worklists'] as const;

/**
 * Every `models/<schema>/<table>.sql`, with its header parsed and its upstream relations inferred,
 * and, where there are standing audiences or a model reads their headers, those headers as one
 * more model (audience-header.ts).
 */
export async function discoverModels(db: Kysely<Database>, modelsDir: string, projectDir: string, macros: Macros): Promise<Model[]> {
  const models: Model[] = [];
  for (const path of modelSchemas.flatMap((schema) => listSqlFiles(join(modelsDir, schema)))) {
    const file = relative(projectDir, path);
    const schema = basename(dirname(path));
    if (dirname(dirname(path)) !== modelsDir)
      throw new ModelError(file, `models live directly in one of models/${modelSchemas.join(', models/')}`);
    const table = basename(path, '.sql');
    const sql = readModelSql(path, file);
    const header = parseModelHeader(file, sql);
    const audienceKeys = Object.keys(header.audience);
    if (schema !== 'audiences' && audienceKeys.length > 0)
      throw new ModelError(file, `only a standing audience (models/audiences/) has the header keys ${audienceKeys.join(', ')}`);
    const materialized = header.materialized ?? (schema === 'staging' && !header.compute ? 'view' : 'table');
    // A view is evaluated by whoever reads it, in a session where the parameters and macros are not set.
    const sessionOnly = [...(/\bgetvariable\s*\(/i.test(sql) ? ['getvariable'] : []), ...macrosCalled(sql, macros)];
    if (materialized === 'view' && sessionOnly.length > 0) {
      throw new ModelError(file, `a view cannot call ${sessionOnly.join(', ')}: readers would see it unset; add "-- materialized: table"`);
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
      upstreamKey: header.upstreamKey,
      asOfCut: header.asOfCut,
      compute: header.compute,
      tests: header.tests,
      dependsOn: await inferDependencies(db, file, sql),
      ...(schema === 'audiences' ? { audience: parseAudienceHeader(file, header.audience) } : {}),
    });
  }
  const audiences = models.filter((model) => model.audience);
  await checkAudienceChannels(db, audiences);
  const headers = audienceHeadersModel(audiences);
  const headersRead = models.some((model) => model.dependsOn.includes(headers.name));
  return audiences.length > 0 || headersRead ? [...models, headers] : models;
}

export async function discoverAssertions(db: Kysely<Database>, assertionsDir: string, projectDir: string): Promise<Assertion[]> {
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
  return entries
    .filter((entry) => entry.endsWith('.sql'))
    .map((entry) => join(dir, entry))
    .sort();
}

// A model is one query; the trailing semicolon is optional.
function readModelSql(path: string, file: string): string {
  const sql = readFileSync(path, 'utf8').trimEnd().replace(/;$/, '');
  if (sql.trim() === '') throw new ModelError(file, 'the file is empty');
  return sql;
}
