import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateShop, type ShopTruth } from '../../pipelines/generate/generate-shop.js';
import { openWarehouse, type Warehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { literal } from '../../pipelines/warehouse/sql-text.js';
import { shopTimeZone } from '../helpers/repo-seeds.js';
import { runRefresh } from '../helpers/run-refresh.js';
import { tempConfig } from '../helpers/temp-warehouse.js';

interface Arm {
  experience: string;
  arm: string;
  judged_members: number;
  repurchased: number;
  repurchase_rate: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

// One generated shop, refreshed once, for every effect the generator plants: the service
// journey's and the tag preferences.
let warehouse: Warehouse;
let truth: ShopTruth;
let measured: Arm[];

beforeAll(async () => {
  const config = tempConfig();
  const shopDir = join(config.dataDir, 'shop');
  truth = await generateShop({ shopTimeZone, members: 20_000, days: 730, endDate: '2026-11-20', seed: 3, outDir: shopDir });
  warehouse = await openWarehouse(config);
  await runRefresh(warehouse, { inputs: [shopDir] });
  measured = (
    await sql<Arm>`select experience, arm, judged_members, repurchased, repurchase_rate, ci_low, ci_high
      from marts.service_experience_repurchase order by experience, arm`.execute(warehouse.db)
  ).rows;
}, 300_000);

afterAll(async () => {
  await warehouse?.close();
});

const arm = <T extends { experience: string; arm: string }>(rows: T[], experience: string, name: string) =>
  rows.find((row) => row.experience === experience && row.arm === name)!;

// The generator draws each order's experience by whether its member came back within
// maturity_days after it (truth.json service.plan), and counts each arm as the mart defines it
// over its own occasions (service.arms). The warehouse sees the same orders through the files,
// so each measured arm holds nearly the same members: its rate lies within its 95% interval of
// the planted one, and the worse experience comes back less, with intervals apart.
describe('the planted service experiences', () => {
  it('plant a worse experience with a lower repurchase rate', () => {
    const planted = truth.service.arms;
    expect(arm(planted, 'first_order_shipping', 'later').repurchase_rate).toBeLessThan(
      arm(planted, 'first_order_shipping', 'within_24h').repurchase_rate - 0.1,
    );
    expect(arm(planted, 'review_rating', 'bad').repurchase_rate).toBeLessThan(arm(planted, 'review_rating', 'good').repurchase_rate - 0.1);
    expect(arm(planted, 'refund_reason', 'quality').repurchase_rate).toBeLessThan(
      arm(planted, 'refund_reason', 'no_refund').repurchase_rate - 0.05,
    );
  });

  it('are recovered by marts.service_experience_repurchase: each planted rate within its interval, on about the same members', () => {
    for (const planted of truth.service.arms.filter((row) => row.judged_members >= 30)) {
      const label = `${planted.experience} ${planted.arm}`;
      const row = arm(measured, planted.experience, planted.arm);
      expect(row, label).toBeDefined();
      expect(Math.abs(row.judged_members - planted.judged_members) / planted.judged_members, label).toBeLessThanOrEqual(0.02);
      expect(planted.repurchase_rate, label).toBeGreaterThanOrEqual(row.ci_low!);
      expect(planted.repurchase_rate, label).toBeLessThanOrEqual(row.ci_high!);
    }
  });

  it('come back less after the worse experience, with the intervals apart', () => {
    for (const [experience, worse, better] of [
      ['first_order_shipping', 'later', 'within_24h'],
      ['review_rating', 'bad', 'good'],
      ['refund_reason', 'quality', 'no_refund'],
    ] as const) {
      expect(arm(measured, experience, worse).ci_high!, experience).toBeLessThan(arm(measured, experience, better).ci_low!);
    }
  });
});

// A planted member buys the variant with the value in 95% of their lines (truth.json), so nearly
// every one with the purchases a tag needs (tag_min_purchases = 2) is tagged with it; the other
// members meet the value about as often as the catalogue has it (base_share).
describe('planted tag preferences', () => {
  it('are recovered by marts.member_tags: ≥ 90% of the planted members, the others near the base rate', async () => {
    expect(truth.preferences.map((p) => [p.attribute, p.value, p.line_share])).toEqual([
      ['style', '通勤', 0.95],
      ['colour', '黑色', 0.95],
    ]);
    const planted = truth.preferences.flatMap((preference, index) => preference.members.map((buyer) => `(${index}, ${literal(buyer)})`));
    const { rows } = await sql
      .raw<{ preference: number; planted: boolean; members: number; tagged: number; tagged_on_attribute: number }>(`
      with planted (preference, buyer_id) as (values ${planted.join(', ')}),
      preferences (preference, attribute, value) as (values ${truth.preferences.map((p, index) => `(${index}, ${literal(p.attribute)}, ${literal(p.value)})`).join(', ')}),
      judged as (
        select orders.member_id, any_value(planted.preference) as planted_preference
        from staging.stg_orders as orders
        inner join staging.stg_member_contacts as contacts using (member_id)
        left join planted on planted.buyer_id = contacts.buyer_id
        where orders.is_purchase
        group by orders.member_id
        having count(*) >= 2
      )
      select preferences.preference, coalesce(judged.planted_preference = preferences.preference, false) as planted,
        count(*)::integer as members,
        count(*) filter (where tags.value = preferences.value)::integer as tagged,
        count(tags.value)::integer as tagged_on_attribute
      from preferences
      cross join judged
      left join marts.member_tags as tags on tags.member_id = judged.member_id and tags.attribute = preferences.attribute
      group by all order by 1, 2`)
      .execute(warehouse.db);
    for (const [index, preference] of truth.preferences.entries()) {
      const [others, plantedMembers] = [false, true].map(
        (isPlanted) => rows.find((row) => row.preference === index && row.planted === isPlanted)!,
      );
      const label = `${preference.attribute}=${preference.value}`;
      expect(plantedMembers!.members, label).toBeGreaterThan(100);
      expect(plantedMembers!.tagged / plantedMembers!.members, label).toBeGreaterThanOrEqual(0.9);
      expect(Math.abs(others!.tagged / others!.tagged_on_attribute - preference.base_share), label).toBeLessThanOrEqual(0.1);
    }
  });
});
