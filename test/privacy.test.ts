import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { generateShop } from '../pipelines/generate/generate-shop.js';
import { refresh } from '../pipelines/refresh.js';
import { openWarehouse } from '../pipelines/warehouse/open-warehouse.js';
import { tempConfig } from './helpers/temp-warehouse.js';

describe('personal data', () => {
  it('never reaches a marts table: no buyer id or phone number of the input in any column', async () => {
    const config = tempConfig();
    const shopDir = join(config.dataDir, 'shop');
    await generateShop({ members: 5000, days: 730, endDate: '2026-11-20', seed: 3, outDir: shopDir });
    const warehouse = await openWarehouse(config);
    try {
      await refresh(warehouse, { inputs: [shopDir] });
      const db = warehouse.db;
      await sql`create temp table secrets as
        select member_id as secret from raw.orders union select member_id from raw.members
        union select member_id from raw.campaign_contacts union select phone from raw.orders where phone is not null`.execute(db);
      const [{ secrets } = { secrets: 0 }] = (await sql<{ secrets: number }>`select count(*) as secrets from secrets`.execute(db)).rows;
      expect(secrets).toBeGreaterThan(5000); // buyer ids and phones: the scan has something to find
      const tables = (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = 'marts' order by 1`.execute(db)).rows;
      expect(tables.length).toBeGreaterThanOrEqual(6);
      const found: string[] = [];
      for (const { name } of tables) {
        const { rows } = await sql.raw<{ hits: number }>(`
          select count(*) as hits
          from (unpivot (select columns(*)::varchar from marts.${name}) on columns(*) into name field value cell) as cells
          inner join secrets on secrets.secret = cells.cell`).execute(db);
        if ((rows[0]?.hits ?? 0) > 0) found.push(`marts.${name}: ${rows[0]?.hits}`);
      }
      expect(found).toEqual([]);
      // The protected contacts table does hold them: the scan would see them if a mart leaked it.
      const { rows } = await sql<{ phones: number }>`select count(*) as phones from staging.stg_member_contacts inner join secrets on secret = phone`.execute(db);
      expect(rows[0]?.phones).toBeGreaterThan(1000);
    } finally {
      await warehouse.close();
    }
  });
});
