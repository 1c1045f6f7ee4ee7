import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date, Date>;

export interface RunsTable {
  run_id: Generated<number>;
  command: string;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  status: 'running' | 'publishing' | 'succeeded' | 'failed' | 'held' | 'interrupted';
  message: string | null;
}

/** The process of each run (none for runs logged before processes were recorded). */
export interface RunProcessesTable {
  run_id: number;
  pid: number;
  host: string;
}

/** When a refresh began to publish (marts.data_runs' seconds to publish). */
export interface RunPublishingTable {
  run_id: number;
  publishing_at: Timestamp;
}

export interface ModelRunsTable {
  run_id: number;
  model: string;
  materialized: string;
  status: 'succeeded' | 'failed' | 'skipped';
  mode: 'full' | 'incremental' | 'unchanged' | null;
  changed_keys: number | null;
  rows: number | null;
  seconds: number | null;
  message: string | null;
  finished_at: Timestamp;
}

export interface TestResultsTable {
  run_id: number;
  model: string;
  test: string;
  status: 'pass' | 'warn' | 'fail' | 'error';
  failing_rows: number | null;
  message: string | null;
  sample_rows: string | null;
  finished_at: Timestamp;
}

export interface LoadedFilesTable {
  file_id: Generated<number>;
  content_hash: string;
  path: string;
  table_name: string;
  format: string;
  rows_read: number;
  rows_loaded: number;
  rows_quarantined: number;
  rows_skipped: Generated<number>;
  skip_reason: string | null;
  run_id: number | null;
  loaded_at: Timestamp;
}

export interface QuarantineTable {
  file_id: number;
  path: string;
  table_name: string;
  line: number | null;
  reason: string;
  /** The reason without the values, as published; NULL only in a warehouse not yet opened for writing since it was added. */
  public_reason: string | null;
  record: string | null;
  quarantined_at: Timestamp;
}

export interface ExportsTable {
  export_id: Generated<number>;
  campaign_id: string;
  path: string;
  format: string;
  filters: string;
  control_fraction: number;
  rows: number;
  control_rows: number;
  exported_at: Timestamp;
  status: Generated<'exported' | 'failed'>;
  message: string | null;
  rule: string | null;
  run_id: number | null;
  channel: string | null;
  sent_at: Timestamp | null;
  matched: number | null;
  guards: string | null;
  control_path: string | null;
}

export interface PublishedTable {
  target: 'marts' | 'site';
  fingerprint: string;
  run_id: number;
  published_at: Timestamp;
  definitions: string | null;
}

/** What the publish guard found moved (pipelines/publish/publish-guard.sql). */
export interface PublishHoldsTable {
  run_id: number;
  action: 'held' | 'accepted';
  mart: string;
  figure: string;
  month: Timestamp | null;
  before_value: number | null;
  after_value: number | null;
  change: number | null;
  unit: 'relative' | 'points';
  threshold: number;
  summary: string;
  files: string | null;
  recorded_at: Timestamp;
}

export interface ModelsTable {
  model: string;
  layer: string;
  description: string;
  grain: string;
  materialized: string;
  upstream: string;
  tests: string;
  file: string;
}

/** The tables pipelines address through Kysely; models are plain SQL and need no types here. */
export interface Database {
  'ops.runs': RunsTable;
  'ops.run_processes': RunProcessesTable;
  'ops.run_publishing': RunPublishingTable;
  'ops.model_runs': ModelRunsTable;
  'ops.test_results': TestResultsTable;
  'ops.loaded_files': LoadedFilesTable;
  'ops.quarantine': QuarantineTable;
  'ops.exports': ExportsTable;
  'ops.published': PublishedTable;
  'ops.publish_holds': PublishHoldsTable;
  'ops.models': ModelsTable;
}
