import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { generateShop } from '../pipelines/generate/generate-shop.js';
import { shopToday } from '../pipelines/shop-today.js';
import { openWarehouse } from '../pipelines/warehouse/open-warehouse.js';
import { literal } from '../pipelines/warehouse/sql-text.js';
import { shopTimeZone } from './helpers/repo-seeds.js';
import { runModel } from './helpers/run-model.js';
import { runRefresh } from './helpers/run-refresh.js';
import { tempConfig } from './helpers/temp-warehouse.js';

const cutDate = '2026-05-31';

describe('the as-of date', () => {
  it('is the day of the latest purchase, but never after today in the shop time zone', async () => {
    const asOf = (purchases: string[]) =>
      runModel('intermediate.int_as_of_date_resolved', {
        'staging.stg_orders': purchases.map((at, index) => ({
          order_id: `o${index}`,
          member_id: 'm1',
          purchased_at: at,
          is_purchase: true,
        })),
      });
    expect(await asOf(['2026-05-01 10:00:00', '2026-05-31 23:59:00'])).toEqual([{ as_of_date: '2026-05-31' }]);
    expect(await asOf(['2026-05-01 10:00:00', '2099-01-01 10:00:00'])).toEqual([{ as_of_date: shopToday('Asia/Shanghai') }]);
    // A shop without purchases has no as-of date (not today).
    expect(await asOf([])).toEqual([{ as_of_date: null }]);
  });

  it('builds the same marts as of an earlier date as from the data cut at that date', async () => {
    const whole = tempConfig();
    const shopDir = join(whole.dataDir, 'shop');
    await generateShop({ shopTimeZone, members: 20_000, days: 730, endDate: '2026-11-20', seed: 9, outDir: shopDir });

    // The cut: what the shop's files held at the end of the cut date.
    const cutDir = join(whole.dataDir, 'cut');
    mkdirSync(cutDir);
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    const file = (name: string) => literal(join(shopDir, name));
    const cutOrders = `select order_id from read_csv(${literal(join(cutDir, 'orders.csv'))}, types = {'order_id': 'VARCHAR'})`;
    // Later files restate the orders of the cut too: refunds and restated rows of its orders go with
    // it, and so do their shipments, reviews and refund records. The products file is not dated.
    const asText = "types = {'order_id': 'VARCHAR', 'phone': 'VARCHAR', 'created_at': 'VARCHAR', 'paid_at': 'VARCHAR'}";
    const later = ['orders_refunds.csv', 'orders_restated.csv', 'shipments.csv', 'reviews.csv', 'refunds.csv'].map(
      (name) => `copy (select * from read_csv(${file(name)}, all_varchar = true) where order_id in (${cutOrders}))
        to ${literal(join(cutDir, name))} (header);`,
    );
    // Some times are written as UTC instants: the cut is at the end of the shop's day.
    await connection.run(`
      set TimeZone = 'Asia/Shanghai';
      copy (select * from read_csv(${file('orders.csv')}, ${asText}) where coalesce(paid_at, created_at)::timestamptz::date <= date '${cutDate}')
        to ${literal(join(cutDir, 'orders.csv'))} (header);
      ${later.join('\n      ')}
      copy (select * from read_csv(${file('order_items.csv')}, types = {'order_id': 'VARCHAR'}) where order_id in (${cutOrders}))
        to ${literal(join(cutDir, 'order_items.csv'))} (header);
      copy (select * from read_csv(${file('members.csv')}) where joined_at::date <= date '${cutDate}')
        to ${literal(join(cutDir, 'members.csv'))} (header);
      copy (select * from read_csv(${file('campaigns.csv')}) where sent_at::date <= date '${cutDate}')
        to ${literal(join(cutDir, 'campaigns.csv'))} (header);
      copy (select * from read_csv(${file('campaign_contacts.csv')}) where contacted_at::date <= date '${cutDate}')
        to ${literal(join(cutDir, 'campaign_contacts.csv'))} (header);
      copy (select * from read_csv(${file('products.csv')})) to ${literal(join(cutDir, 'products.csv'))} (header);`);
    connection.closeSync();
    instance.closeSync();

    const cut = tempConfig({ memberSalt: whole.memberSalt });
    for (const [config, inputs, parameters] of [
      [whole, [shopDir], { as_of_date: cutDate }],
      [cut, [cutDir], {}],
    ] as const) {
      const warehouse = await openWarehouse(config);
      await runRefresh(warehouse, { inputs: [...inputs], parameters });
      await warehouse.close();
    }

    const warehouse = await openWarehouse(cut);
    try {
      const db = warehouse.db;
      await sql.raw(`attach ${literal(whole.warehousePath)} as whole (read_only)`).execute(db);
      const [asOf] = (await sql<{ as_of_date: string }>`select as_of_date from intermediate.int_as_of_date_resolved`.execute(db)).rows;
      expect(asOf?.as_of_date).toBe(cutDate); // the cut's latest purchase is on the cut date itself
      const tables = (
        await sql<{ name: string }>`select table_name as name from information_schema.tables
        where table_catalog = current_database() and table_schema = 'marts' and table_type = 'BASE TABLE' order by 1`.execute(db)
      ).rows.map((row) => row.name);
      expect(tables.length).toBeGreaterThanOrEqual(9);
      // The automation rules run after a build of today's data, not after one as of a chosen date.
      const runs = await sql<{ cut: boolean; whole: boolean }>`select bool_and(cut.runs) as cut, bool_or(whole.runs) as whole
        from marts.audience_rules as cut join whole.marts.audience_rules as whole using (rule)`.execute(db);
      expect(runs.rows).toEqual([{ cut: true, whole: false }]);
      const differences: string[] = [];
      for (const table of tables) {
        const columns = table === 'audience_rules' ? '* exclude (runs)' : '*';
        const { rows } = await sql
          .raw<{ only_cut: number; only_whole: number; cut_rows: number }>(`select
          (select count(*) from (select ${columns} from marts.${table} except all select ${columns} from whole.marts.${table})) as only_cut,
          (select count(*) from (select ${columns} from whole.marts.${table} except all select ${columns} from marts.${table})) as only_whole,
          (select count(*) from marts.${table}) as cut_rows`)
          .execute(db);
        const row = rows[0]!;
        // kpi_targets has rows only for the months of seeds/targets.csv, none as shipped
        // (test/models/kpi-targets.test.ts computes them as of a date).
        const empty = row.cut_rows === 0 && table !== 'kpi_targets';
        if (row.only_cut > 0 || row.only_whole > 0 || empty) differences.push(`${table}: ${JSON.stringify(row)}`);
      }
      expect(differences).toEqual([]);
    } finally {
      await warehouse.close();
    }
  });
});
