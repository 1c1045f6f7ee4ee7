import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { withWarehouse } from '../../helpers/temp-warehouse.js';

describe('DuckDB dialect for Kysely', () => {
  it('maps DECIMAL, BIGINT, DATE and TIMESTAMP to JavaScript values', async () => {
    await withWarehouse(async ({ db }) => {
      const { rows } = await sql<Record<string, unknown>>`
        select 1234.56::decimal(18, 2) as money, 9007199254740993::bigint as huge, 42::bigint as small,
               date '2026-11-11' as day, timestamp '2026-11-11 20:30:00' as moment`.execute(db);
      expect(rows[0]).toEqual({
        money: 1234.56,
        huge: 9007199254740993n, // beyond 2^53: kept exact as bigint
        small: 42,
        day: '2026-11-11',
        moment: new Date(Date.UTC(2026, 10, 11, 20, 30, 0)),
      });
    });
  });

  it('binds numbers, strings, booleans, nulls and Dates as parameters', async () => {
    await withWarehouse(async ({ db }) => {
      const moment = new Date(Date.UTC(2026, 5, 18, 0, 0, 1));
      const { rows } = await sql<Record<string, unknown>>`
        select ${7} + 1 as n, ${2.5} * 2 as x, ${'双十一'} as label, ${true} as flag, ${null}::varchar as nothing,
               ${moment} + interval 1 day as next_day`.execute(db);
      expect(rows[0]).toEqual({
        n: 8,
        x: 5,
        label: '双十一',
        flag: true,
        nothing: null,
        next_day: new Date(Date.UTC(2026, 5, 19, 0, 0, 1)),
      });
    });
  });

  it('inserts, updates and deletes through the query builder and reports affected rows', async () => {
    await withWarehouse(async ({ db }) => {
      const started = new Date(Date.UTC(2026, 0, 1));
      const inserted = await db
        .insertInto('ops.runs')
        .values([
          { command: 'a', started_at: started, status: 'running' },
          { command: 'b', started_at: started, status: 'running' },
        ])
        .returning('run_id')
        .execute();
      expect(inserted.map((row) => row.run_id)).toEqual([1, 2]);
      const updated = await db.updateTable('ops.runs').set({ status: 'succeeded' }).where('command', '=', 'a').executeTakeFirst();
      expect(updated.numUpdatedRows).toBe(1n);
      const deleted = await db.deleteFrom('ops.runs').where('status', '=', 'running').executeTakeFirst();
      expect(deleted.numDeletedRows).toBe(1n);
      const left = await db.selectFrom('ops.runs').select(['command', 'status', 'started_at']).execute();
      expect(left).toEqual([{ command: 'a', status: 'succeeded', started_at: started }]);
    });
  });

  it('commits and rolls back transactions', async () => {
    await withWarehouse(async ({ db }) => {
      const started = new Date();
      await db.transaction().execute(async (trx) => {
        await trx.insertInto('ops.runs').values({ command: 'kept', started_at: started, status: 'running' }).execute();
      });
      await expect(
        db.transaction().execute(async (trx) => {
          await trx.insertInto('ops.runs').values({ command: 'lost', started_at: started, status: 'running' }).execute();
          throw new Error('abort');
        }),
      ).rejects.toThrow('abort');
      const commands = await db.selectFrom('ops.runs').select('command').execute();
      expect(commands).toEqual([{ command: 'kept' }]);
    });
  });

  it('streams large results in chunks', async () => {
    await withWarehouse(async ({ db }) => {
      let total = 0;
      let chunks = 0;
      const query = sql<{ i: number }>`select range as i from range(10000)`.compile(db);
      for await (const chunk of db.getExecutor().stream(query, 1)) {
        total += chunk.rows.length;
        chunks += 1;
      }
      expect(total).toBe(10000);
      expect(chunks).toBeGreaterThan(1);
    });
  });

  it('introspects schemas, tables and columns', async () => {
    await withWarehouse(async ({ db }) => {
      await sql`create table marts.example (member_id varchar not null, revenue decimal(18, 2))`.execute(db);
      const schemas = (await db.introspection.getSchemas()).map((schema) => schema.name);
      expect(schemas).toEqual(expect.arrayContaining(['ops', 'raw', 'staging', 'intermediate', 'marts', 'seeds']));
      const tables = await db.introspection.getTables();
      const example = tables.find((table) => table.schema === 'marts' && table.name === 'example');
      expect(example?.columns.map((column) => [column.name, column.dataType, column.isNullable])).toEqual([
        ['member_id', 'VARCHAR', false],
        ['revenue', 'DECIMAL(18,2)', true],
      ]);
    });
  });
});
