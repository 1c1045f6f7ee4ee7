import {
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  type Driver,
  type Kysely,
  PostgresQueryCompiler,
  type QueryCompiler,
} from 'kysely';
import { DuckDBAdapter } from './duckdb-adapter.js';
import { DuckDBDriver, type DuckDBDriverConfig } from './duckdb-driver.js';
import { DuckDBIntrospector } from './duckdb-introspector.js';

// DuckDB speaks PostgreSQL's dialect closely enough for Kysely's Postgres compiler
// (double-quoted identifiers, $n parameters, returning).
export class DuckDBDialect implements Dialect {
  /** The one driver of the dialect, whose connections the warehouse closes to restart DuckDB. */
  readonly driver: DuckDBDriver;

  constructor(config: DuckDBDriverConfig) {
    this.driver = new DuckDBDriver(config);
  }

  createDriver(): Driver {
    return this.driver;
  }

  createQueryCompiler(): QueryCompiler {
    return new PostgresQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return new DuckDBAdapter();
  }

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's Dialect interface takes a Kysely of any schema.
  createIntrospector(db: Kysely<any>): DatabaseIntrospector {
    return new DuckDBIntrospector(db);
  }
}
