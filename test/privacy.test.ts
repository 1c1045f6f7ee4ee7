import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { collectSecrets, relationsHoldingSecrets } from './helpers/find-secrets.js';
import { withRefreshedShop } from './helpers/refreshed-shop.js';

describe('personal data', () => {
  it('never reaches a marts table: no buyer id or phone number of the input in any column', async () => {
    await withRefreshedShop({ members: 5000, days: 730, seed: 3 }, async ({ db }) => {
      const secrets = await collectSecrets(db);
      expect(secrets.length).toBeGreaterThan(5000); // buyer ids and phones: the scan has something to find
      const tables = (
        await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_schema = 'marts' order by 1`.execute(db)
      ).rows;
      expect(tables.length).toBeGreaterThanOrEqual(6);
      const found = await relationsHoldingSecrets(
        db,
        tables.map(({ name }) => `marts.${name}`),
      );
      expect(found).toEqual([]);
      // The protected contacts table does hold them: the scan would see them if a mart leaked it.
      const { rows } = await sql<{
        phones: number;
      }>`select count(*) as phones from staging.stg_member_contacts inner join secrets on secret = phone`.execute(db);
      expect(rows[0]?.phones).toBeGreaterThan(1000);
    });
  });
});
