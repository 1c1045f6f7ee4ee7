import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateShop } from '../../../pipelines/generate/generate-shop.js';
import { buildWarehouse } from '../../../pipelines/transform/build-warehouse.js';
import type { Database } from '../../../pipelines/warehouse/database.js';
import { openWarehouse, type Warehouse } from '../../../pipelines/warehouse/open-warehouse.js';
import { startPostgres } from '../../helpers/postgres-server.js';
import { shopTimeZone } from '../../helpers/repo-seeds.js';
import { runRefresh } from '../../helpers/run-refresh.js';
import { tempProject } from '../../helpers/temp-project.js';
import { tempConfig } from '../../helpers/temp-warehouse.js';
import { testRun } from '../../helpers/test-run.js';

interface ColumnStats {
  type: string;
  rows: number;
  nonNull: number;
  distinct: number;
  /** Numbers: their sum; text: the sum of lengths; dates and timestamps: of epochs; booleans: the trues. */
  sum: number | null;
  /** Text: the sum of its values' hashes. */
  hashes: number | null;
}

// One mart's figures per column, computed the same way on either warehouse (DuckDB files both:
// the PostgreSQL build's marts are the rows PostgreSQL computed, copied).
async function martStats(db: Kysely<Database>, mart: string): Promise<Map<string, ColumnStats>> {
  const { rows: columns } = await sql<{ name: string; type: string }>`
    select name, type from ${sql.raw(`pragma_table_info('${mart}')`)} order by cid`.execute(db);
  const stats = new Map<string, ColumnStats>();
  for (const { name, type } of columns) {
    const column = `"${name}"`;
    const text = /^(VARCHAR|ENUM)/.test(type);
    const summed = text
      ? `sum(length(${column}::varchar))`
      : /DATE|TIMESTAMP|TIME/.test(type)
        ? `sum(epoch(${column}))`
        : type === 'BOOLEAN'
          ? `count(*) filter (where ${column})`
          : `sum(${column})`;
    // Text by its values too, not only their lengths: the sum of their hashes, cut to stay exact as a double.
    const hashed = text ? `sum(hash(${column}::varchar) % 1000003)` : 'null';
    const { rows } = await sql<{ rows: number; non_null: number; distinct: number; summed: number | null; hashed: number | null }>`
      select count(*)::double as rows, count(${sql.raw(column)})::double as non_null,
        count(distinct ${sql.raw(column)})::double as distinct, ${sql.raw(summed)}::double as summed, ${sql.raw(hashed)}::double as hashed
      from ${sql.raw(mart)}`.execute(db);
    const row = rows[0]!;
    stats.set(name, { type, rows: row.rows, nonNull: row.non_null, distinct: row.distinct, sum: row.summed, hashes: row.hashed });
  }
  return stats;
}

// Sums of floating-point figures differ in their last bits with the order of addition.
const close = (left: number | null, right: number | null) =>
  left === right || (left !== null && right !== null && Math.abs(left - right) <= 1e-9 * Math.max(1, Math.abs(left), Math.abs(right)));

describe('the models on PostgreSQL', () => {
  let server: Awaited<ReturnType<typeof startPostgres>>;
  let duck: Warehouse;
  let onPostgres: Warehouse;
  const log: string[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    const duckConfig = tempConfig();
    const shopDir = join(duckConfig.dataDir, 'shop');
    await generateShop({ shopTimeZone, members: 3000, days: 500, endDate: '2026-11-20', seed: 11, outDir: shopDir });
    duck = await openWarehouse(duckConfig);
    await runRefresh(duck, { inputs: [shopDir] });
    onPostgres = await openWarehouse(tempConfig({ engine: 'postgres', postgresUrl: server.url }));
    await runRefresh(onPostgres, { inputs: [shopDir], log: (line) => log.push(line) });
  }, 600_000);

  afterAll(async () => {
    await duck?.close();
    await onPostgres?.close();
    await server?.stop();
  });

  it('build every mart PostgreSQL can hold to the same figures as DuckDB, column by column', async () => {
    const { rows: marts } = await sql<{ name: string }>`
      select 'marts.' || table_name as name from information_schema.tables
      where table_schema = 'marts' and table_catalog = current_database() order by 1`.execute(duck.db);
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const { rows: built } = await client.query<{ name: string }>(
      `select 'marts.' || table_name as name from information_schema.tables where table_schema = 'marts' order by 1`,
    );
    await client.end();
    const onServer = new Set(built.map((row) => row.name));
    // The marts of the run log (data_*) are DuckDB's on either engine: the log lives in its file.
    expect(marts.filter((mart) => !onServer.has(mart.name)).every((mart) => mart.name.startsWith('marts.data_'))).toBe(true);
    expect(onServer.size).toBeGreaterThan(40);
    expect(log.some((line) => line.startsWith('[PostgreSQL') && line.includes('marts.member_facts'))).toBe(true);

    const differences: string[] = [];
    for (const mart of [...onServer].sort()) {
      const [expected, actual] = [await martStats(duck.db, mart), await martStats(onPostgres.db, mart)];
      for (const [column, want] of expected) {
        const got = actual.get(column);
        if (!got) {
          differences.push(`${mart}.${column}: missing`);
          continue;
        }
        for (const figure of ['rows', 'nonNull', 'distinct', 'sum', 'hashes'] as const)
          if (!close(want[figure], got[figure]))
            differences.push(
              `${mart}.${column}: ${figure} ${want[figure]} on DuckDB, ${got[figure]} on PostgreSQL (${want.type} / ${got.type})`,
            );
      }
      for (const column of actual.keys()) if (!expected.has(column)) differences.push(`${mart}.${column}: only on PostgreSQL`);
    }
    expect(differences).toEqual([]);

    // A fit's note, which the Data page shows, comes back with its rows: the same fit, in its own time.
    const fitNotes = async (db: Kysely<Database>) =>
      (
        await sql<{ model: string; message: string }>`
          select model, regexp_replace(message, '[0-9.]+ s ', '… s ', 'g') as message
          from ops.model_runs where model like '%fit' and status = 'succeeded' order by model`.execute(db)
      ).rows;
    expect((await fitNotes(duck.db)).length).toBeGreaterThan(1);
    expect(await fitNotes(onPostgres.db)).toEqual(await fitNotes(duck.db));
  });

  it('leave the previous build on both engines when a model fails on PostgreSQL or a data test fails', async () => {
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query('create database failing');
    await admin.end();
    const url = server.url.replace(/\/postgres$/, '/failing');
    const mart = (body: string) => `-- One row.\n-- grain: x\n-- tests: accepted_range(x, 0, 10)\n${body}`;
    const config = {
      ...tempProject({
        models: {
          'staging/stg_one.sql': '-- One.\n-- grain: n\nselect 2 as n',
          'marts/halves.sql': mart('select n::float8 / 2 as x from staging.stg_one'),
        },
      }),
      engine: 'postgres' as const,
      postgresUrl: url,
    };
    const warehouse = await openWarehouse(config);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const onBoth = async () => ({
      duckdb: (await sql<{ x: number }>`select x from marts.halves`.execute(warehouse.db)).rows,
      postgres: (await client.query('select x from marts.halves')).rows,
    });
    try {
      await buildWarehouse(warehouse.db, await testRun(config, 1));
      expect(await onBoth()).toEqual({ duckdb: [{ x: 1 }], postgres: [{ x: 1 }] });

      // DuckDB divides by zero to NULL; PostgreSQL refuses.
      writeFileSync(join(config.modelsDir, 'marts/halves.sql'), mart('select n::float8 / 0 as x from staging.stg_one'));
      await expect(buildWarehouse(warehouse.db, await testRun(config, 2))).rejects.toThrow(
        'models/marts/halves.sql: on PostgreSQL: division by zero',
      );
      expect(await onBoth()).toEqual({ duckdb: [{ x: 1 }], postgres: [{ x: 1 }] });

      writeFileSync(join(config.modelsDir, 'marts/halves.sql'), mart('select n::float8 * 20 as x from staging.stg_one'));
      await expect(buildWarehouse(warehouse.db, await testRun(config, 3))).rejects.toThrow('accepted_range(x, 0, 10)');
      expect(await onBoth()).toEqual({ duckdb: [{ x: 1 }], postgres: [{ x: 1 }] });
      // What the failed builds made beside the tables is gone.
      const { rows: schemas } = await client.query(`select nspname from pg_namespace where nspname like '%\\_\\_next' order by 1`);
      expect(schemas).toEqual([]);
    } finally {
      await client.end();
      await warehouse.close();
    }
  });
});
