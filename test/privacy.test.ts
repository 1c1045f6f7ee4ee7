import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { publishedMartsPath } from '../pipelines/publish/publish-marts.js';
import { collectSecrets, relationsHoldingSecrets, secretsInWrongColumns } from './helpers/find-secrets.js';
import { withRefreshedShop } from './helpers/refreshed-shop.js';

// The built site is scanned the same way in site.test.ts, whose shop has the same wrong rows.
describe('personal data', () => {
  it('reaches no published table: no buyer id or phone number, not even of a quarantined row', async () => {
    await withRefreshedShop({ members: 5000, days: 730, seed: 3, inputs: [secretsInWrongColumns()] }, async ({ db, config }) => {
      const secrets = await collectSecrets(db);
      expect(secrets.length).toBeGreaterThan(5000); // buyer ids and phones: the scan has something to find
      await sql.raw(`attach '${publishedMartsPath(config)}' as published (read_only)`).execute(db);
      const tables = (
        await sql<{
          name: string;
        }>`select table_schema || '.' || table_name as name from information_schema.tables where table_catalog = 'published' order by 1`.execute(
          db,
        )
      ).rows;
      expect(tables.length).toBeGreaterThanOrEqual(15);
      expect(
        await relationsHoldingSecrets(
          db,
          tables.map(({ name }) => `published.${name}`),
        ),
      ).toEqual([]);
      // The scan finds them where they are: the quarantine quotes both values, the contacts table holds the phones.
      const { rows } = await sql<{ reason: string }>`select reason from ops.quarantine order by reason`.execute(db);
      expect(rows).toEqual([
        { reason: "birth_year: 'tb_00000002' is not a INTEGER" },
        { reason: "item_count: '13912345678' is not a INTEGER" },
      ]);
      expect(await relationsHoldingSecrets(db, ['ops.quarantine', 'staging.stg_member_contacts'])).toEqual([
        'ops.quarantine: 4',
        expect.stringMatching(/^staging\.stg_member_contacts: \d{4,}$/),
      ]);
    });
  });
});
