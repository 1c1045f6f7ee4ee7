import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { macrosCalled } from '../run/read-macros.js';
import type { Database } from '../warehouse/database.js';
import { modelStateSql } from '../warehouse/model-state.js';
import { literal } from '../warehouse/sql-text.js';
import type { BuildContext } from './build-context.js';
import type { BuildShadows } from './build-shadows.js';
import { computations } from './computations/index.js';
import { seedTypesFile } from './load-seeds.js';
import type { Model } from './model.js';

/**
 * What a model's rows depend on: the pipelines' code, its SQL, the macros it calls (directly or
 * through another macro; read-macros.ts), the variables and the content of the seeds that it and
 * those macros read, with the seeds' declared types, a computation's parameters, and `inputs`, what
 * the caller knows of the upstream relations. The other macros, and what only they read, are not part of it.
 */
export async function fingerprintOf(db: Kysely<Database>, model: Model, context: BuildContext, inputs: string[]): Promise<string> {
  const macros = macrosCalled(model.sql, context.macros).map((name) => context.macros.definitions.get(name)!);
  const read = [model.sql, ...macros].join('\n');
  const variables = new Set([
    ...[...read.matchAll(/\bgetvariable\s*\(\s*'([a-z_][a-z0-9_]*)'\s*\)/gi)].map(([, name]) => name!),
    // A computation reads parameters of its own (its TypeScript is the pipelines' code).
    ...(model.compute ? computations[model.compute]!.parameterNames : []),
  ]);
  const values: string[] = [];
  for (const name of [...variables].sort()) {
    const { rows } = await sql.raw<{ value: string | null }>(`select getvariable('${name}')::varchar as value`).execute(db);
    values.push(`${name}=${rows[0]?.value ?? ''}`);
  }
  const seedNames = new Set([
    ...model.dependsOn.filter((relation) => relation.startsWith('seeds.')).map((relation) => relation.slice('seeds.'.length)),
    ...macros.flatMap((macro) => [...macro.matchAll(/\bseeds\.([a-z_][a-z0-9_]*)/g)].map(([, name]) => name!)),
  ]);
  const seeds = [...seedNames, ...(seedNames.size > 0 ? [seedTypesFile.replace(/\.csv$/, '')] : [])]
    .sort()
    .map((name) => readFileSync(join(context.seedsDir, `${name}.csv`), 'utf8'));
  return createHash('sha256')
    .update(
      JSON.stringify([context.code, model.sql, model.incrementalKey, model.upstreamKey, model.asOfCut, macros, values, seeds, inputs]),
    )
    .digest('hex');
}

/** The content of relations read whole, as one digest each: small ones, such as a measured parameter. */
export async function contentOf(db: Kysely<Database>, relations: string[], shadows: BuildShadows): Promise<string[]> {
  const digests: string[] = [];
  for (const relation of [...relations].sort()) {
    const { rows } = await sql
      .raw<{ content: string | null }>(
        `select md5(string_agg(t::varchar, '|' order by t::varchar)) as content from ${shadows.readOf(relation)} as t`,
      )
      .execute(db);
    digests.push(`${relation}=${rows[0]?.content ?? ''}`);
  }
  return digests;
}

/**
 * Where each upstream relation stands, so that equal states mean equal rows: a model's state as
 * this build left it (or the last build, for a model not selected), a raw table's row count and
 * newest file; anything else (the run log) changes with every build.
 */
export async function upstreamStates(db: Kysely<Database>, model: Model, context: BuildContext): Promise<string[]> {
  const states: string[] = [];
  for (const relation of model.dependsOn) {
    const [schema = ''] = relation.split('.');
    if (schema === 'seeds') continue;
    let state = context.states.get(relation);
    if (state === undefined && schema === 'raw') {
      const { rows } = await sql
        .raw<{ state: string }>(`select count(*) || ':' || coalesce(max(_file_id), 0) as state from ${relation}`)
        .execute(db);
      state = rows[0]!.state;
    } else if (state === undefined && context.models.has(relation)) {
      const { rows } = await sql<{ state: string }>`
        select ${sql.raw(modelStateSql)} as state from ops.model_state where model = ${relation}`.execute(db);
      state = rows[0]?.state;
    }
    states.push(`${relation}=${state ?? `build ${context.runId}`}`);
  }
  return states;
}

/**
 * A table's rows as one digest: its columns with their types, its row count and the sum of its
 * rows' hashes, which does not depend on their order. Equal digests mean the same rows but for a
 * hash collision, which the sum of 64-bit hashes over the whole row makes vanishingly unlikely.
 * The count and sum stay readable, so that an incremental build can carry them forward from the
 * rows it replaced and the rows it wrote (contentAfterChange).
 */
export async function contentDigest(db: Kysely<Database>, relation: string): Promise<string> {
  const rows = await rowsDigest(db, `select * from ${relation}`);
  return `${await columnsDigest(db, relation)}:${rows.count}:${rows.sum}`;
}

/**
 * The digest of a table whose rows for some keys were replaced: its previous digest with the old
 * rows' count and hashes taken out and the new rows' put in, so that an incremental build states
 * its rows without reading them all. `replaced` holds the old rows and the new (the build's delta),
 * `added` the new. Without a previous digest to carry forward, the result is read whole.
 */
export async function contentAfterChange(
  db: Kysely<Database>,
  previous: string | null,
  change: { table: string; replaced: string; added: string; result: string },
): Promise<string> {
  const match = previous === null ? null : /^([0-9a-f]{32}):(\d+):(-?\d+)$/.exec(previous);
  if (!match) return contentDigest(db, change.result);
  const replaced = await rowsDigest(db, `select * from ${change.replaced}`);
  const added = await rowsDigest(db, `select * from ${change.added}`);
  // The old rows are the replaced ones less the new: what goes out once, what comes in twice.
  const count = BigInt(match[2]!) - replaced.count + 2n * added.count;
  const sum = BigInt(match[3]!) - replaced.sum + 2n * added.sum;
  return `${await columnsDigest(db, change.table)}:${count}:${sum}`;
}

async function columnsDigest(db: Kysely<Database>, relation: string): Promise<string> {
  const { rows } = await sql<{ columns: string }>`
    select md5(string_agg(name || ' ' || type, ',' order by cid)) as columns from ${sql.raw(`pragma_table_info(${literal(relation)})`)}`.execute(
    db,
  );
  return rows[0]!.columns;
}

async function rowsDigest(db: Kysely<Database>, query: string): Promise<{ count: bigint; sum: bigint }> {
  const { rows } = await sql
    .raw<{ count: string; sum: string }>(
      `select count(*)::varchar as count, coalesce(sum(hash(t)), 0)::varchar as sum from (${query}) as t`,
    )
    .execute(db);
  return { count: BigInt(rows[0]!.count), sum: BigInt(rows[0]!.sum) };
}
