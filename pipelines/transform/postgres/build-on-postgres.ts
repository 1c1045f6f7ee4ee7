import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { WarehouseConfig } from '../../config.js';
import { type Macros, macroDefinitions } from '../../run/read-macros.js';
import type { Database } from '../../warehouse/database.js';
import { identifier } from '../../warehouse/sql-text.js';
import type { Row } from '../computations/computation.js';
import { computations } from '../computations/index.js';
import { duckdbTypes, runComputation } from '../materialize-computed.js';
import { logModelBuilt } from '../materialize-models.js';
import { type Model, ModelError } from '../model.js';
import { replaceRelations } from '../replace-relations.js';
import {
  copyFromPostgres,
  copyRowsToPostgres,
  copyToPostgres,
  dropRelation,
  postgresRelationKind,
  postgresTypeOf,
  readCopySql,
} from './copy-tables.js';
import { type BoundVariable, toPostgresSql } from './postgres-sql.js';

/** A build on PostgreSQL in its open transaction: what DuckDB builds in place of its models, then commit or roll back. */
export interface PostgresBuild {
  /** Every model, in order: those PostgreSQL built as tables that read its results, the others as they are. */
  models: Model[];
  commit(): Promise<void>;
  rollback(): Promise<void>;
}

const functionsSql = readFileSync(new URL('./postgres-functions.sql', import.meta.url), 'utf8');
const postgresMacrosSql = readFileSync(new URL('./postgres-macros.sql', import.meta.url), 'utf8');

/**
 * Builds the models on the PostgreSQL server at `url`, in one transaction left open: the sources
 * they read (raw, seeds), copied from DuckDB after its checks; then each model in dependency order,
 * in full, as a table (a view stays a view); then each result copied back as a file that DuckDB's
 * build reads in place of the model's SQL, so that the data tests, the run log, the published
 * marts and the site work as on DuckDB. The models that read the run log (ops) are DuckDB's own:
 * it lives in the DuckDB file. Nothing on PostgreSQL changes until commit().
 */
export async function buildOnPostgres(
  duckdb: Kysely<Database>,
  config: WarehouseConfig,
  url: string,
  models: Model[],
  macros: Macros,
  log: (line: string) => void,
): Promise<PostgresBuild> {
  const onDuckDB = readersOfRunLog(models);
  const built = models.filter((model) => !onDuckDB.has(model.name));
  const names = new Set(models.map((model) => model.name));
  const sources = [...new Set(built.flatMap((model) => model.dependsOn).filter((name) => !names.has(name)))].sort();
  const folder = copyFolder(config);
  await rm(folder, { recursive: true, force: true });
  await mkdir(folder, { recursive: true });
  const client = new pg.Client({ connectionString: url, application_name: 'member-warehouse', types: { getTypeParser: typeParser } });
  await client.connect().catch((error: Error) => {
    throw new Error(`PostgreSQL (WAREHOUSE_POSTGRES_URL): cannot connect: ${error.message}`);
  });
  // A connection lost while DuckDB works (the server restarted, an administrator's timeout) fails
  // the next query; unhandled, it would end the process.
  let lost: Error | undefined;
  client.on('error', (error) => {
    lost = error;
  });
  const relations = [...sources, ...built.map((model) => model.name)];
  const schemas = [...new Set(relations.map((relation) => relation.split('.')[0]!))];
  let ended = false;
  const end = async (work: () => Promise<void>) => {
    if (ended) return;
    ended = true;
    try {
      if (lost) throw new Error(`PostgreSQL: the connection was lost: ${lost.message}`);
      await work();
    } finally {
      await client.end().catch(() => {});
      await rm(folder, { recursive: true, force: true });
    }
  };
  const dropNext = async () => {
    for (const schema of schemas) await client.query(`drop schema if exists ${identifier(`${schema}${next}`)} cascade`);
  };
  try {
    await refuseCollation(client);
    const { rows: locked } = await client.query<{ locked: boolean }>('select pg_try_advisory_lock(hashtext($1)) as locked', [
      'member-warehouse build',
    ]);
    if (!locked[0]?.locked) throw new Error('PostgreSQL: another build is running on this database (one warehouse per database)');
    // What the copies and the literals rely on, whatever the server's or the database's defaults:
    // every digit of a float8, ISO dates, backslashes as plain characters, no timeout while DuckDB
    // tests the rows. The compatibility functions come after pg_catalog, and before public, where
    // another role could define a function of the same name to run with the build's rights.
    await client.query(`set search_path = pg_catalog, duckdb_compat; set timezone = 'UTC';
      set extra_float_digits = 3; set datestyle = 'ISO, YMD'; set intervalstyle = 'postgres';
      set standard_conforming_strings = on; set client_encoding = 'UTF8';
      set statement_timeout = 0; set idle_in_transaction_session_timeout = 0`);
    await client.query(functionsSql);
    const native = await compatibilityNames(client);
    const variables = await boundVariables(duckdb);
    await client.query('create temp table build_secrets (name text, value text)');
    const secrets = [...variables].filter(([, variable]) => variable.secret).map(([name, variable]) => ({ name, value: variable.value }));
    await copyRowsToPostgres(client, 'pg_temp.build_secrets', ['name', 'value'], secrets);
    // The build goes beside the tables readers use, in schemas <schema>__next (a build that died
    // left its own), and is put in place by commit().
    await dropNext();
    for (const schema of schemas) await client.query(`create schema ${identifier(`${schema}${next}`)}`);
    let started = performance.now();
    for (const source of sources) {
      await copyToPostgres(duckdb, client, source, nextName(source), folder);
      await client.query(`analyze ${nextName(source)}`);
    }
    log(`PostgreSQL: ${sources.length} sources copied (${((performance.now() - started) / 1000).toFixed(1)}s)`);
    const postgresMacros = overrides(macros);
    const renamed = new Set(relations);
    const copies = new Map<string, Model>();
    for (const [index, model] of built.entries()) {
      started = performance.now();
      let note: string | null = null;
      const into = nextName(model.name);
      const query = readingNext(toPostgresSql(model.sql, postgresMacros, native, variables), renamed);
      try {
        if (model.compute) note = await buildComputed(duckdb, client, model, into, query);
        else await client.query(`create ${model.materialized === 'view' ? 'view' : 'table'} ${into} as\n${query}`);
        // A new table has no statistics until autovacuum comes, after the build: without them the
        // planner guesses the sizes of every join that reads it.
        if (model.materialized !== 'view') await client.query(`analyze ${into}`);
      } catch (error) {
        throw new ModelError(model.file, `on PostgreSQL: ${(error as Error).message}`);
      }
      const seconds = (performance.now() - started) / 1000;
      const file = join(folder, `${model.name}.csv`);
      const columns = await copyFromPostgres(client, into, file);
      // Named by its rows' digest, so that DuckDB's build sees a change of rows as a change of SQL.
      const digest = createHash('md5')
        .update(await readFile(file))
        .digest('hex');
      copies.set(model.name, {
        ...model,
        sql: `-- rows ${digest}, built on PostgreSQL\n${readCopySql(file, columns)}`,
        materialized: 'table',
        compute: undefined,
        incrementalKey: undefined,
        upstreamKey: undefined,
        asOfCut: undefined,
        dependsOn: [],
        builtOnPostgres: { seconds, note },
      });
      const how = model.compute ? 'computed' : model.materialized === 'incremental' ? 'incremental, in full' : model.materialized;
      logModelBuilt(log, { position: `PostgreSQL ${index + 1}/${built.length}`, name: model.name, how, seconds, rows: null, note });
    }
    return {
      models: models.map((model) => copies.get(model.name) ?? model),
      // One short transaction: readers see the previous tables until it commits, and wait only for it.
      commit: () =>
        end(async () => {
          await client.query('begin');
          for (const schema of schemas) await client.query(`create schema if not exists ${identifier(schema)}`);
          for (const relation of relations) await dropRelation(client, relation);
          for (const relation of relations) {
            const kind = await postgresRelationKind(client, nextName(relation));
            await client.query(
              `alter ${kind === 'v' ? 'view' : 'table'} ${nextName(relation)} set schema ${identifier(relation.split('.')[0]!)}`,
            );
          }
          await dropNext();
          await client.query('commit');
        }),
      rollback: () => end(dropNext),
    };
  } catch (error) {
    await end(dropNext).catch(() => {});
    throw error;
  }
}

// A computation reads numbers as numbers: bigint (20) and numeric (1700) arrive as text otherwise.
const typeParser = ((oid: number, format: 'text' | 'binary') =>
  oid === 20 || oid === 1700 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser;

// Text sorts by bytes in DuckDB; under another collation names and ties would order otherwise.
// Asked of the database's own sorting, which a libc locale or an ICU one decides.
async function refuseCollation(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ sorted: string; collation: string }>(
    `select string_agg(letter, '' order by letter) as sorted, (select datcollate from pg_database where datname = current_database()) as collation
     from (values ('b'), ('a'), ('_'), ('B')) as letters(letter)`,
  );
  if (rows[0]?.sorted !== 'B_ab')
    throw new Error(
      `PostgreSQL: the database sorts B, _, a, b as ${[...(rows[0]?.sorted ?? '')].join(', ')} (collation ${rows[0]?.collation}, or an ICU locale), not by bytes as DuckDB does; create it with createdb --locale=C --template=template0 (no ICU locale)`,
    );
}

/** Where a build's copies between the engines are written: inside the data folder's temp folder. */
export function copyFolder(config: WarehouseConfig): string {
  return join(config.tempDirectory, 'postgres');
}

// The models that read ops (the run log), and those that read them in turn.
function readersOfRunLog(models: Model[]): Set<string> {
  const readers = new Set<string>();
  for (const model of models) if (model.dependsOn.some((name) => name.startsWith('ops.') || readers.has(name))) readers.add(model.name);
  return readers;
}

// Macros whose PostgreSQL body differs (postgres-macros.sql) in place of their DuckDB body.
function overrides(macros: Macros): Macros {
  return { ...macros, definitions: new Map([...macros.definitions, ...macroDefinitions(postgresMacrosSql)]) };
}

async function compatibilityNames(client: pg.Client): Promise<Set<string>> {
  const { rows } = await client.query<{ name: string }>(
    `select distinct proname as name from pg_proc where pronamespace = 'duckdb_compat'::regnamespace`,
  );
  return new Set(rows.map((row) => row.name));
}

// Every variable of DuckDB's build session, typed for PostgreSQL.
async function boundVariables(duckdb: Kysely<Database>): Promise<Map<string, BoundVariable>> {
  const { rows: names } = await sql<{ name: string; type: string }>`select name, type from duckdb_variables()`.execute(duckdb);
  const variables = new Map<string, BoundVariable>();
  // duckdb_variables() writes NULL as 'NULL'; getvariable of the name does not.
  for (const { name, type } of names) {
    const { rows: values } = await sql<{ value: string | null }>`select getvariable(${sql.lit(name)})::varchar as value`.execute(duckdb);
    variables.set(name, { value: values[0]!.value, type: postgresTypeOf(type), duckdbType: type, secret: name === 'member_salt' });
  }
  return variables;
}

const next = '__next';
const nextName = (relation: string) => relation.replace('.', `${next}.`);

/**
 * The query reading this build's relations in their schemas __next: `staging.stg_orders` is
 * `staging__next.stg_orders` (models name relations as plain schema.table: conventions.test.ts).
 */
export function readingNext(query: string, relations: ReadonlySet<string>): string {
  return replaceRelations(query, new Map([...relations].map((relation) => [relation, nextName(relation)])));
}

// A computed model: its query's rows through the computation, into a table of its declared types.
async function buildComputed(
  duckdb: Kysely<Database>,
  client: pg.Client,
  model: Model,
  into: string,
  query: string,
): Promise<string | null> {
  const { rows, fields } = await client.query<Row>(query);
  const previous = async () =>
    (await client.query('select to_regclass($1) as oid', [model.name])).rows[0]?.oid === null
      ? undefined
      : (await client.query<Row>(`select * from ${model.name}`)).rows;
  const result = await runComputation(
    duckdb,
    model,
    rows,
    fields.map((field) => field.name),
    previous,
  );
  const output = computations[model.compute!]!.output;
  const names = Object.keys(output);
  await client.query(
    `create table ${into} (${names.map((name) => `${identifier(name)} ${postgresTypeOf(duckdbTypes[output[name]!].toString())}`).join(', ')})`,
  );
  await copyRowsToPostgres(client, into, names, result.rows);
  return result.note;
}
