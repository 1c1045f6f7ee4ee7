import type { Generated } from 'kysely';

// What the DuckDB dialect hands back for each column type (to-js-value.ts); the keys are the
// types as information_schema.columns spells them.
interface ValueOf {
  BIGINT: number;
  DOUBLE: number;
  VARCHAR: string;
  TIMESTAMP: Date;
  DATE: string;
}

/** A column as the migrations make it; `value` only carries its Kysely type. */
interface Column<Value = unknown> {
  type: keyof ValueOf;
  nullable: boolean;
  hasDefault: boolean;
  value?: Value;
}

const column =
  <Type extends keyof ValueOf>(type: Type) =>
  <Value extends ValueOf[Type] = ValueOf[Type]>(): Column<Value> => ({ type, nullable: false, hasDefault: false });

const bigint = column('BIGINT');
const double = column('DOUBLE');
const varchar = column('VARCHAR');
const timestamp = column('TIMESTAMP');
const date = column('DATE');

const nullable = <Value>(of: Column<Value>): Column<Value | null> => ({ type: of.type, nullable: true, hasDefault: of.hasDefault });
const withDefault = <Value>(of: Column<Value>): Column<Generated<Value>> => ({ type: of.type, nullable: of.nullable, hasDefault: true });

/**
 * The ops tables as pipelines/warehouse/migrations make them, column by column; test/warehouse/
 * database.test.ts holds them to the live schema. Models are plain SQL and need no types here.
 */
export const opsTables = {
  'ops.migrations': {
    version: bigint(),
    name: varchar(),
    checksum: varchar(),
    applied_at: timestamp(),
  },
  'ops.runs': {
    run_id: withDefault(bigint()),
    command: varchar(),
    started_at: timestamp(),
    finished_at: nullable(timestamp()),
    status: varchar<'running' | 'publishing' | 'succeeded' | 'failed' | 'held' | 'interrupted'>(),
    message: nullable(varchar()),
  },
  /** The process of each run (none for runs logged before processes were recorded). */
  'ops.run_processes': {
    run_id: bigint(),
    pid: bigint(),
    host: varchar(),
  },
  /** When a refresh began to publish (marts.data_runs' seconds to publish). */
  'ops.run_publishing': {
    run_id: bigint(),
    publishing_at: timestamp(),
  },
  'ops.model_runs': {
    run_id: bigint(),
    model: varchar(),
    materialized: varchar(),
    status: varchar<'succeeded' | 'failed' | 'skipped'>(),
    rows: nullable(bigint()),
    seconds: nullable(double()),
    message: nullable(varchar()),
    finished_at: timestamp(),
    mode: nullable(varchar<'full' | 'incremental' | 'unchanged'>()),
    changed_keys: nullable(bigint()),
  },
  'ops.model_state': {
    model: varchar(),
    fingerprint: varchar(),
    watermark: bigint(),
    built_at: timestamp(),
    content: nullable(varchar()),
    as_of: nullable(date()),
  },
  'ops.test_results': {
    run_id: bigint(),
    model: varchar(),
    test: varchar(),
    status: varchar<'pass' | 'warn' | 'fail' | 'error'>(),
    failing_rows: nullable(bigint()),
    message: nullable(varchar()),
    sample_rows: nullable(varchar()),
    finished_at: timestamp(),
  },
  'ops.loaded_files': {
    file_id: withDefault(bigint()),
    content_hash: varchar(),
    path: varchar(),
    table_name: varchar(),
    format: varchar(),
    rows_read: bigint(),
    rows_loaded: bigint(),
    rows_quarantined: bigint(),
    run_id: nullable(bigint()),
    loaded_at: timestamp(),
    rows_skipped: withDefault(bigint()),
    skip_reason: nullable(varchar()),
  },
  'ops.quarantine': {
    file_id: bigint(),
    path: varchar(),
    table_name: varchar(),
    line: nullable(bigint()),
    reason: varchar(),
    record: nullable(varchar()),
    quarantined_at: timestamp(),
    /** The reason without the values, as published. */
    public_reason: nullable(varchar()),
  },
  'ops.exports': {
    export_id: withDefault(bigint()),
    campaign_id: varchar(),
    path: varchar(),
    format: varchar(),
    filters: varchar(),
    control_fraction: double(),
    rows: bigint(),
    control_rows: bigint(),
    exported_at: timestamp(),
    status: withDefault(varchar<'exported' | 'failed'>()),
    message: nullable(varchar()),
    rule: nullable(varchar()),
    run_id: nullable(bigint()),
    channel: nullable(varchar()),
    sent_at: nullable(timestamp()),
    matched: nullable(bigint()),
    guards: nullable(varchar()),
    control_path: nullable(varchar()),
  },
  'ops.published': {
    target: varchar<'marts' | 'site'>(),
    fingerprint: varchar(),
    run_id: bigint(),
    published_at: timestamp(),
    definitions: nullable(varchar()),
  },
  /** What the publish guard found moved (pipelines/publish/publish-guard.sql). */
  'ops.publish_holds': {
    run_id: bigint(),
    action: varchar<'held' | 'accepted'>(),
    mart: varchar(),
    figure: varchar(),
    month: nullable(date()),
    before_value: nullable(double()),
    after_value: nullable(double()),
    change: nullable(double()),
    unit: varchar<'relative' | 'points'>(),
    threshold: double(),
    summary: varchar(),
    files: nullable(varchar()),
    recorded_at: timestamp(),
  },
  'ops.models': {
    model: varchar(),
    layer: varchar(),
    description: varchar(),
    grain: varchar(),
    materialized: varchar(),
    upstream: varchar(),
    tests: varchar(),
    file: varchar(),
  },
} satisfies Record<string, Record<string, Column>>;

type Table<Columns> = { [Name in keyof Columns]: Columns[Name] extends Column<infer Value> ? Value : never };

/** The tables pipelines address through Kysely. */
export type Database = { [Name in keyof typeof opsTables]: Table<(typeof opsTables)[Name]> };
