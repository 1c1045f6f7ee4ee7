import {
  type DatabaseIntrospector,
  type Dialect,
  type DialectAdapter,
  DialectAdapterBase,
  type Driver,
  type Kysely,
  PostgresQueryCompiler,
  type QueryCompiler,
} from 'kysely';
import { DuckDBDriver, type DuckDBDriverConfig } from './duckdb-driver.js';
import { DuckDBIntrospector } from './duckdb-introspector.js';

// DuckDB speaks PostgreSQL's dialect closely enough for Kysely's Postgres compiler
// (double-quoted identifiers, $n parameters, returning).
export class DuckDBDialect implements Dialect {
  readonly #config: DuckDBDriverConfig;

  constructor(config: DuckDBDriverConfig) {
    this.#config = config;
  }

  createDriver(): Driver {
    return new DuckDBDriver(this.#config);
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

class DuckDBAdapter extends DialectAdapterBase {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }

  override get supportsReturning(): boolean {
    return true;
  }

  // One process owns the warehouse file (see the run lock), so migrations need no lock of their own.
  async acquireMigrationLock(): Promise<void> {}

  async releaseMigrationLock(): Promise<void> {}
}
