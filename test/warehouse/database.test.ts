import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { opsTables } from '../../pipelines/warehouse/database.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';

interface ColumnLine {
  table: string;
  column: string;
  type: string;
  nullable: boolean;
  hasDefault: boolean;
}

const byName = (a: ColumnLine, b: ColumnLine) => `${a.table}.${a.column}`.localeCompare(`${b.table}.${b.column}`);

describe('the types of the ops tables', () => {
  it('have every column the migrations make, of its type, nullability and default, and no other', async () => {
    const live = await withWarehouse(async ({ db }) => {
      const { rows } = await sql<{
        table_name: string;
        column_name: string;
        data_type: string;
        is_nullable: string;
        column_default: string | null;
      }>`
        select table_name, column_name, data_type, is_nullable, column_default
        from information_schema.columns where table_schema = 'ops'`.execute(db);
      return rows.map((row) => ({
        table: `ops.${row.table_name}`,
        column: row.column_name,
        type: row.data_type,
        nullable: row.is_nullable === 'YES',
        hasDefault: row.column_default !== null,
      }));
    });
    const declared = Object.entries(opsTables).flatMap(([table, columns]) =>
      Object.entries(columns).map(([column, { type, nullable, hasDefault }]) => ({ table, column, type, nullable, hasDefault })),
    );
    expect(live.length).toBeGreaterThan(100);
    expect(declared.sort(byName)).toEqual(live.sort(byName));
  });
});
