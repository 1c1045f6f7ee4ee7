import {
  BOOLEAN,
  type DuckDBConnection,
  type DuckDBInstance,
  type DuckDBPreparedStatement,
  DuckDBTimestampValue,
  TIMESTAMP,
  VARCHAR,
} from '@duckdb/node-api';
import type { CompiledQuery, DatabaseConnection, Driver, Kysely, QueryResult } from 'kysely';
import { toJsRow } from '../to-js-value.js';

export interface DuckDBDriverConfig {
  instance: DuckDBInstance;
  /** Connections kept open on the instance; DuckDB runs queries of different connections in parallel. */
  poolSize?: number;
  /** Runs on every new connection, e.g. to set DuckDB variables. */
  onCreateConnection?: (connection: DuckDBConnection) => Promise<void>;
}

export class DuckDBDriver implements Driver {
  readonly #config: DuckDBDriverConfig;
  readonly #idle: DuckDBKyselyConnection[] = [];
  readonly #all: DuckDBKyselyConnection[] = [];
  readonly #waiting: Array<(connection: DuckDBKyselyConnection) => void> = [];

  constructor(config: DuckDBDriverConfig) {
    this.#config = config;
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    const idle = this.#idle.pop();
    if (idle) return idle;
    if (this.#all.length < (this.#config.poolSize ?? 4)) {
      const raw = await this.#config.instance.connect();
      await this.#config.onCreateConnection?.(raw);
      const connection = new DuckDBKyselyConnection(raw);
      this.#all.push(connection);
      return connection;
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as DuckDBKyselyConnection).run('begin transaction');
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await (connection as DuckDBKyselyConnection).run('commit');
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // A commit that fails (a full disk) has already ended the transaction: the rollback that follows
    // must not replace the commit's error with its own.
    await (connection as DuckDBKyselyConnection).run('rollback').catch((error: Error) => {
      if (!/no transaction is active/.test(error.message)) throw error;
    });
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const next = this.#waiting.shift();
    if (next) next(connection as DuckDBKyselyConnection);
    else this.#idle.push(connection as DuckDBKyselyConnection);
  }

  async destroy(): Promise<void> {
    this.closeConnections();
  }

  /** Closes every connection; the next query connects again, to the instance of the moment. */
  closeConnections(): void {
    for (const connection of this.#all) connection.close();
    this.#all.length = 0;
    this.#idle.length = 0;
  }
}

/**
 * Runs `body` with the node-api connection under a Kysely connection (from `db.connection()`
 * or a transaction), for what Kysely cannot express, such as appending data chunks to a
 * temp table of that connection.
 */
export async function withDuckDBConnection<T, DB>(db: Kysely<DB>, body: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
  return db.getExecutor().provideConnection((connection) => body((connection as DuckDBKyselyConnection).duckdb));
}

class DuckDBKyselyConnection implements DatabaseConnection {
  readonly #connection: DuckDBConnection;

  constructor(connection: DuckDBConnection) {
    this.#connection = connection;
  }

  get duckdb(): DuckDBConnection {
    return this.#connection;
  }

  async run(sql: string): Promise<void> {
    await this.#connection.run(sql);
  }

  close(): void {
    this.#connection.closeSync();
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    // Without parameters the text may hold several statements (a script); DuckDB runs them all.
    const reader =
      compiledQuery.parameters.length === 0
        ? await this.#connection.runAndReadAll(compiledQuery.sql)
        : await (await this.#prepare(compiledQuery)).runAndReadAll();
    const rows = reader.getRowObjects().map(toJsRow) as R[];
    const kind = compiledQuery.query.kind;
    // With RETURNING, DuckDB reports the returned rows rather than a change count.
    const returned = kind === 'InsertQueryNode' || kind === 'UpdateQueryNode' || kind === 'DeleteQueryNode' ? rows.length : 0;
    const changed = returned > 0 ? returned : reader.rowsChanged;
    return kind === 'SelectQueryNode' ? { rows } : { rows, numAffectedRows: BigInt(changed) };
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const prepared = await this.#prepare(compiledQuery);
    const result = await prepared.stream();
    for await (const rows of result.yieldRowObjects()) {
      yield { rows: rows.map(toJsRow) as R[] };
    }
  }

  async #prepare(compiledQuery: CompiledQuery): Promise<DuckDBPreparedStatement> {
    const prepared = await this.#connection.prepare(compiledQuery.sql);
    for (const [index, value] of compiledQuery.parameters.entries()) bindParameter(prepared, index + 1, value);
    return prepared;
  }
}

function bindParameter(prepared: DuckDBPreparedStatement, position: number, value: unknown): void {
  if (value === null || value === undefined) prepared.bindNull(position);
  else if (value instanceof Date) {
    // A JS Date cannot be bound directly ("Cannot create values of type ANY").
    prepared.bindValue(position, new DuckDBTimestampValue(BigInt(value.getTime()) * 1000n), TIMESTAMP);
  } else if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) prepared.bindBigInt(position, BigInt(value));
    else prepared.bindDouble(position, value);
  } else if (typeof value === 'bigint') prepared.bindBigInt(position, value);
  else if (typeof value === 'boolean') prepared.bindValue(position, value, BOOLEAN);
  else if (typeof value === 'string') prepared.bindValue(position, value, VARCHAR);
  else prepared.bindValue(position, JSON.stringify(value), VARCHAR);
}
