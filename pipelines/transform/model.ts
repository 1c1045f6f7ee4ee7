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
  /** For computed models: the computation of pipelines/transform/computations/ that makes the table. */
  compute: string | undefined;
  tests: ModelTest[];
  /** Upstream relations the SQL reads (`schema.table`), models or sources. */
  dependsOn: string[];
}

/** A file of models/assertions/: a query that returns the rows violating a rule. */
export interface Assertion {
  name: string;
  file: string;
  sql: string;
  description: string;
  dependsOn: string[];
}

export class ModelError extends Error {
  constructor(
    readonly file: string,
    message: string,
  ) {
    super(`${file}: ${message}`);
    this.name = 'ModelError';
  }
}
