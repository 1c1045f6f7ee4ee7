import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { relationColumns } from '../../pipelines/warehouse/relation-columns.js';
import { relationKind } from '../../pipelines/warehouse/relation-kind.js';
import { withWarehouse } from '../helpers/temp-warehouse.js';

describe('a relation of the warehouse', () => {
  it('is a view, a table or nothing, with its columns as information_schema spells their types, even asked inside a transaction', async () => {
    await withWarehouse(async (warehouse) => {
      await sql`create schema scratch;
        create table scratch.t (id varchar, amount decimal(18, 2), tags varchar[], score double);
        create view scratch.v as select id from scratch.t`.execute(warehouse.db);
      // The same names in another attached database are not the warehouse's.
      await sql`attach ':memory:' as other; create schema other.scratch; create table other.scratch.only_there (n integer)`.execute(
        warehouse.db,
      );
      await warehouse.db.transaction().execute(async (trx) => {
        expect(await relationKind(trx, 'scratch', 'missing')).toBeUndefined();
        expect(await relationKind(trx, 'nowhere', 'missing')).toBeUndefined();
        expect(await relationKind(trx, 'scratch', 'only_there')).toBeUndefined();
        expect(await relationKind(trx, 'scratch', 'v')).toBe('view');
        expect(await relationKind(trx, 'scratch', 't')).toBe('table');
        expect(await relationColumns(trx, 'scratch.t')).toEqual([
          { name: 'id', type: 'VARCHAR' },
          { name: 'amount', type: 'DECIMAL(18,2)' },
          { name: 'tags', type: 'VARCHAR[]' },
          { name: 'score', type: 'DOUBLE' },
        ]);
        // A question about a missing relation leaves the transaction usable.
        await sql`create table scratch.made_after as select 1 as n`.execute(trx);
      });
      expect(await relationKind(warehouse.db, 'scratch', 'made_after')).toBe('table');
    });
  });
});
