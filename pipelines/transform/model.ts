import type { AudienceHeader } from './audience-header.js';

export type Materialization = 'view' | 'table' | 'incremental';

export interface ModelTest {
  /** As written in the header, e.g. `accepted_range(r_score, 1, 5)`. */
  text: string;
  name: 'unique' | 'not_null' | 'accepted_values' | 'accepted_range' | 'relationships' | 'finite';
  args: string[];
}

export interface Model {
  /** `schema.table`, from folder and file stem. */
  name: string;
  schema: string;
  table: string;
  /** Path relative to the project, for messages. */
  file: string;
  sql: string;
  description: string;
  grain: string[];
  materialized: Materialization;
  /** For incremental models: the column whose values are rebuilt when their upstream rows change. */
  incrementalKey: string | undefined;
  /** The upstream relations' column holding the key's values, where its name differs (`incremental_key: buyer_id = member_id`). */
  upstreamKey?: string | undefined;
  /** An incremental model's rows cut at an as-of date: a key changes when its date crosses it. */
  asOfCut?: AsOfCut | undefined;
  /** For computed models: the computation of pipelines/transform/computations/ that makes the table. */
  compute: string | undefined;
  tests: ModelTest[];
  /** Upstream relations the SQL reads (`schema.table`), models or sources. */
  dependsOn: string[];
  /** A standing audience's header (models/audiences/). */
  audience?: AudienceHeader;
  /** A model built on PostgreSQL (postgres/build-on-postgres.ts), whose SQL here reads its rows: its time and note there. */
  builtOnPostgres?: { seconds: number; note: string | null };
}

/**
 * `-- as_of_cut: staging.stg_orders.purchased_at <= intermediate.int_as_of_date_resolved.as_of_date`:
 * the model keeps the upstream rows whose date is on or before the as-of date and reads the as-of
 * date nowhere else. A new as-of date then changes only the keys of the rows dated between the old
 * and the new, not every key.
 */
export interface AsOfCut {
  /** The keyed upstream relation whose dated rows are cut, and its date column. */
  relation: string;
  column: string;
  /** The one-row relation holding the as-of date, read whole, and its column. */
  asOfRelation: string;
  asOfColumn: string;
}

/** A file of models/assertions/: a query that returns the rows violating a rule. */
export interface Assertion {
  name: string;
  file: string;
  sql: string;
  description: string;
  dependsOn: string[];
}

/** A refusal or failure of one model file: `file: message`, or `file:line: message` where the line is known. */
export class ModelError extends Error {
  constructor(
    readonly file: string,
    message: string,
    readonly line?: number,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${message}`);
    this.name = 'ModelError';
  }
}

// DuckDB ends a message about one place of the statement with that line of the statement and a caret under the place.
const pointer = /\n+LINE (\d+):[^\n]*\n *\^\s*$/;

/** DuckDB's message on one line without the statement's line it ends with, and that line's number. */
export function pointedMessage(message: string): { problem: string; statementLine: number | undefined } {
  const match = pointer.exec(message);
  return {
    problem: (match ? message.slice(0, match.index) : message).replace(/\s*\n\s*/g, ' '),
    statementLine: match ? Number(match[1]) : undefined,
  };
}

/**
 * The error of `statement`, which holds a model's SQL `query`, as a ModelError naming the line of
 * the model's file that DuckDB points at; an error that points elsewhere, or nowhere, as it is.
 */
export function modelQueryError(file: string, error: unknown, statement: string, query: string): unknown {
  if (!(error instanceof Error)) return error;
  const { problem, statementLine } = pointedMessage(error.message);
  const start = statement.indexOf(query);
  if (statementLine === undefined || start < 0) return error;
  const line = statementLine - statement.slice(0, start).split('\n').length + 1;
  return line >= 1 && line <= query.split('\n').length ? new ModelError(file, problem, line) : error;
}
