import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { relationKind } from '../warehouse/relation-kind.js';
import { literal } from '../warehouse/sql-text.js';
import { modelSchemas } from './discover-models.js';
import { inferDependencies } from './infer-dependencies.js';
import { materializeModel } from './materialize-model.js';
import { type Model, ModelError } from './model.js';
import { replaceRelations } from './replace-relations.js';

const prefix = '_next_';

type Step = (db: Kysely<Database>) => Promise<void>;

interface ModelState {
  model: string;
  fingerprint: string;
  watermark: number;
  content: string | null;
  asOf: string | null;
}

/**
 * A build writes each model beside the relation it replaces, as `<schema>._next_<table>`,
 * committing as it goes, and each model reads the new relations of the models built before it.
 * Only when every model is built and tested does one transaction put them in place (`swap`), so
 * the previous build stays whole until then, as a build in one transaction would leave it; but
 * DuckDB scans a table created in the transaction that reads it on one thread, and a committed
 * one on all of them (a full refresh at 1M members: 57 s of models in one transaction, 47 s so).
 */
export class BuildShadows {
  /** Model → the relation that holds its new rows during the build. */
  readonly reads = new Map<string, string>();
  /**
   * Model → the rows this build changed, where that is not all of them: an incremental model's
   * rebuilt keys, or none for a model kept as it was. The other rows passed the model's tests in
   * the build that made them.
   */
  readonly changedRows = new Map<string, string>();
  private readonly steps: Step[] = [];

  /** Where the model's new rows go: `<schema>._next_<table>`, and beside it `<schema>._next_<table><suffix>`. */
  relation(model: Model, suffix = ''): string {
    return `${model.schema}.${prefix}${model.table}${suffix}`;
  }

  /** What the build reads for `relation`: its new relation if this build made one, else itself. */
  readOf(relation: string): string {
    return this.reads.get(relation) ?? relation;
  }

  /**
   * The query reading this build's new relations in place of the ones they replace. DuckDB's parser
   * checks that none is still read, which a reference in another form (quoted, three-part) would be.
   */
  async reading(db: Kysely<Database>, file: string, query: string): Promise<string> {
    if (this.reads.size === 0) return query;
    const replaced = replaceRelations(query, this.reads);
    const stale = (await inferDependencies(db, file, replaced)).filter((name) => this.reads.has(name));
    if (stale.length > 0)
      throw new ModelError(
        file,
        `reads ${stale.join(', ')} other than as a plain schema.table reference, so it would read the previous build`,
      );
    return replaced;
  }

  /** Builds a table or view model (incremental ones in full too) into its new relation. Returns the computation's note, if any. */
  async materialize(db: Kysely<Database>, model: Model): Promise<string | null> {
    const next = this.relation(model);
    // A schema no migration makes (audiences) is made by its first model.
    await sql.raw(`create schema if not exists ${model.schema}`).execute(db);
    const note = await materializeModel(db, model, next, await this.reading(db, model.file, model.sql));
    this.replaced(model, next, async (swap) => {
      if (this.kept.has(model.name)) return;
      const existing = await relationKind(swap, model.schema, model.table);
      if (existing) await sql.raw(`drop ${existing} ${model.name}`).execute(swap);
      if (model.materialized === 'view') await sql.raw(`drop view ${next}; create view ${model.name} as\n${model.sql}`).execute(swap);
      else await sql.raw(`alter table ${next} rename to ${model.table}`).execute(swap);
    });
    return note;
  }

  /** Readers of `model` read `next` for the rest of the build; `step` puts it in place in the swap. */
  replaced(model: Model, next: string, step: Step): void {
    this.reads.set(model.name, next);
    this.steps.push(step);
  }

  /** Models that stay as the last build left them: nothing of them is new. */
  readonly kept = new Set<string>();

  keep(model: Model): void {
    this.kept.add(model.name);
    this.changedRows.set(model.name, `(select * from ${model.name} where false)`);
  }

  /** A table rebuilt into the rows it had: its new relation goes, and the last build's stays. */
  async discard(db: Kysely<Database>, model: Model): Promise<void> {
    await sql.raw(`drop table ${this.relation(model)}`).execute(db);
    this.reads.delete(model.name);
    this.keep(model);
  }

  private readonly states: ModelState[] = [];

  /** The model's row of ops.model_state, which the swap writes with every other model's in one statement. */
  recordState(state: ModelState): void {
    this.states.push(state);
  }

  /** Puts every new relation in place, and records the models' states; run in the transaction that ends the build. */
  async swap(db: Kysely<Database>): Promise<void> {
    for (const step of this.steps) await step(db);
    if (this.states.length === 0) return;
    const rows = this.states.map(
      (state) => sql`(${state.model}, ${state.fingerprint}, ${state.watermark}, now()::timestamp, ${state.content}, ${state.asOf}::date)`,
    );
    await sql`insert or replace into ops.model_state (model, fingerprint, watermark, built_at, content, as_of)
      values ${sql.join(rows)}`.execute(db);
  }
}

/** Drops every new relation left: a failed build's, or one killed before its swap. */
export async function dropShadows(db: Kysely<Database>): Promise<void> {
  const schemas = modelSchemas.map(literal).join(', ');
  const { rows } = await sql
    .raw<{ kind: string; name: string }>(`select 'view' as kind, schema_name || '.' || view_name as name from duckdb_views()
      where database_name = current_database() and schema_name in (${schemas}) and starts_with(view_name, '${prefix}')
      union all
      select 'table', schema_name || '.' || table_name from duckdb_tables()
      where database_name = current_database() and schema_name in (${schemas}) and starts_with(table_name, '${prefix}')
      order by 1 desc`)
    .execute(db);
  for (const { kind, name } of rows) await sql.raw(`drop ${kind} if exists ${name}`).execute(db);
}
