import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateShop, type ShopTruth } from '../../pipelines/generate/generate-shop.js';
import { openWarehouse, type Warehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { literal } from '../../pipelines/warehouse/sql-text.js';
import { shopTimeZone } from '../helpers/repo-seeds.js';
import { runRefresh } from '../helpers/run-refresh.js';
import { tempConfig } from '../helpers/temp-warehouse.js';

// A shop large enough that sampling error is small: 200,000 members.
let warehouse: Warehouse;
let truth: ShopTruth;
let shopDir: string;

/** Within z standard errors of p for a proportion measured on n members (z = 4: a 1-in-15,000 miss). */
function expectProportion(measured: number, p: number, n: number, z = 4) {
  const standardError = Math.sqrt((p * (1 - p)) / n);
  expect(
    Math.abs(measured - p),
    `measured ${measured.toFixed(4)} vs planted ${p} on n = ${n} (SE ${standardError.toFixed(4)})`,
  ).toBeLessThanOrEqual(z * standardError);
}

async function rows<T>(text: string): Promise<T[]> {
  return (await sql.raw<T>(text).execute(warehouse.db)).rows;
}

beforeAll(async () => {
  const config = tempConfig();
  shopDir = join(config.dataDir, 'shop');
  truth = await generateShop({ shopTimeZone, members: 200_000, days: 730, endDate: '2026-11-20', seed: 11, outDir: shopDir });
  warehouse = await openWarehouse(config);
  await runRefresh(warehouse, { inputs: [shopDir] });
}, 600_000);

afterAll(async () => {
  await warehouse?.close();
});

describe('the sample shop generator', () => {
  it('writes the same bytes for the same seed, and other bytes for another', async () => {
    const dirs = [1, 1, 2].map(() => mkdtempSync(join(tmpdir(), 'shop-')));
    await Promise.all([
      generateShop({ shopTimeZone, members: 3000, days: 400, endDate: '2026-11-20', seed: 5, outDir: dirs[0]! }),
      generateShop({ shopTimeZone, members: 3000, days: 400, endDate: '2026-11-20', seed: 5, outDir: dirs[1]! }),
      generateShop({ shopTimeZone, members: 3000, days: 400, endDate: '2026-11-20', seed: 6, outDir: dirs[2]! }),
    ]);
    const files = readdirSync(dirs[0]!)
      .filter((name) => !name.startsWith('.'))
      .sort();
    expect(files).toEqual([
      'campaign_contacts.csv',
      'campaigns.csv',
      'members.csv',
      'order_items.csv',
      'orders.csv',
      'orders_refunds.csv',
      'orders_restated.csv',
      'products.csv',
      'refunds.csv',
      'reviews.csv',
      'shipments.csv',
      'truth.json',
    ]);
    for (const file of files) expect(readFileSync(join(dirs[1]!, file)).equals(readFileSync(join(dirs[0]!, file))), file).toBe(true);
    expect(readFileSync(join(dirs[2]!, 'orders.csv')).equals(readFileSync(join(dirs[0]!, 'orders.csv')))).toBe(false);
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('loads whole: every generated row lands in raw, none quarantined', async () => {
    const files = await rows<{ file: string; rows_read: number; rows_quarantined: number }>(
      "select regexp_extract(path, '([a-z_]+)\\.csv$', 1) as file, rows_read, rows_quarantined from ops.loaded_files order by file",
    );
    expect(files).toEqual(
      Object.entries(truth.rows)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([file, count]) => ({ file, rows_read: count, rows_quarantined: 0 })),
    );
  });

  it('plants the ladder: the matured ladder recovers each step within 4 standard errors', async () => {
    const ladder = await rows<{ step_n: number; reached_n: number; conversion: number }>(
      "select step_n, reached_n, conversion from marts.repurchase_ladder where variant = 'matured' order by step_n",
    );
    const judged = ladder.filter((step) => step.reached_n >= 200);
    expect(judged.length).toBeGreaterThanOrEqual(6);
    for (const step of judged) {
      const planted = truth.ladder.conversion[Math.min(step.step_n, truth.ladder.conversion.length) - 1]!;
      expectProportion(step.conversion, planted, step.reached_n);
    }
  });

  it('mixes order statuses as planted: per purchase occasion 5% second orders, 4% unpaid, 3% closed, 2% refunded, 4% partial refunds', async () => {
    const [mix] = await rows<Record<string, number>>(`
      select
        (select count(*) from intermediate.int_purchase_occasions) as occasions,
        count(*) filter (where is_purchase) as purchases,
        count(*) filter (where status = 'created' and member_id in (select member_id from intermediate.int_purchase_occasions)) as unpaid,
        count(*) filter (where status = 'closed') as closed,
        count(*) filter (where status = 'refunded') as refunded,
        count(*) filter (where is_purchase and refund_amount > 0) as partially_refunded
      from staging.stg_orders`);
    const occasions = mix!.occasions!;
    // Second same-day orders refunded in full later are no purchases (and cost no occasion).
    expectProportion((mix!.purchases! + truth.orders.refunded_later - occasions) / occasions, 0.05, occasions);
    expectProportion(mix!.closed! / occasions, 0.03, occasions);
    expectProportion(mix!.refunded! / occasions, 0.02, occasions);
    expectProportion(mix!.partially_refunded! / mix!.purchases!, 0.04, mix!.purchases!);
    // Unpaid orders of buyers, per occasion (prospects' abandoned carts are counted apart).
    expectProportion(mix!.unpaid! / occasions, 0.04, occasions);
  });

  it('plants the later files: refunds after 交易成功 and restated rows without the refund column come to the planted purchases and net revenue', async () => {
    expect(truth.orders.refunded_later).toBeGreaterThan(1000);
    expect(truth.orders.restated_without_refund_column).toBeGreaterThan(1000);
    const [orders] = await rows<{ purchases: number; net_revenue: number; partially_refunded: number }>(`
      select count(*) filter (where is_purchase) as purchases, sum(net_amount) filter (where is_purchase)::double as net_revenue,
             count(*) filter (where is_purchase and refund_amount > 0) as partially_refunded
      from staging.stg_orders`);
    expect(orders).toEqual({
      purchases: truth.orders.purchases,
      net_revenue: truth.orders.net_revenue,
      partially_refunded: truth.orders.partially_refunded_purchases,
    });
  });

  it('reads orders written as UTC instants at their shop time, on the day after the UTC date', async () => {
    const planted = truth.orders.written_in_utc;
    expect(planted.length).toBeGreaterThan(100);
    const loaded = await rows<{ order_id: string; created_at: string }>(`
      select order_id, strftime(created_at, '%Y-%m-%d %H:%M:%S') as created_at from staging.stg_orders
      where order_id in (${planted.map((order) => literal(order.order_id)).join(', ')}) order by order_id`);
    expect(loaded).toEqual(planted);
    expect(planted.every((order) => order.created_at.slice(11, 13) < '08')).toBe(true);
  });

  it("plants campaign coupons (each campaign's own, others' and the platform's) and overlapping windows, as campaign_roi measures them", async () => {
    const measured = await rows<{
      campaign_id: string;
      redeemed_coupons: number;
      overlap_revenue: number;
      cost: number;
      delivered_contacts: number;
    }>('select campaign_id, redeemed_coupons, overlap_revenue, cost, delivered_contacts from marts.campaign_roi order by campaign_id');
    expect(measured.map((row) => [row.campaign_id, row.redeemed_coupons, row.overlap_revenue])).toEqual(
      truth.campaigns.map((campaign) => [campaign.campaign_id, campaign.redeemed_coupons, campaign.overlap_revenue]),
    );
    expect(truth.campaigns.filter((campaign) => campaign.redeemed_coupons > 0).length).toBeGreaterThanOrEqual(4);
    expect(truth.campaigns.filter((campaign) => campaign.overlap_revenue > 0).map((campaign) => campaign.campaign_id)).toEqual([
      'C06',
      'C08',
    ]);
    for (const [index, row] of measured.entries()) {
      const plan = truth.campaigns[index]!;
      expect(row.cost).toBeCloseTo(row.delivered_contacts * plan.cost_per_contact + row.redeemed_coupons * plan.coupon_value, 6);
    }
    // Other campaigns' and the platform's codes are planted too, and count for no campaign.
    const [codes] = await rows<{ platform: number; campaign: number }>(`
      select count(*) filter (where coupon_code like 'CPN%') as platform, count(*) filter (where coupon_code like 'C0%Q%') as campaign
      from staging.stg_orders where is_purchase`);
    expect(codes!.platform).toBeGreaterThan(1000);
    expect(codes!.campaign).toBeGreaterThan(truth.campaigns.reduce((sum, campaign) => sum + campaign.redeemed_coupons, 0));
  });

  it('gives a product that moved to another category its new category', async () => {
    const [product] = await rows<{ category: string }>(
      `select category from marts.product_repurchase_cycle where level = 'product' and item_key = ${literal(truth.recategorised.product_id)}`,
    );
    expect(product?.category).toBe(truth.recategorised.to);
  });

  it('has seasonality: Double 11 and 618 peaks, a Spring Festival dip, evening hours', async () => {
    const daily = new Map(
      (
        await rows<{ day: string; orders: number }>(
          'select purchased_at::date as day, count(*) as orders from staging.stg_orders where is_purchase group by 1',
        )
      ).map((row) => [row.day, row.orders]),
    );
    const mean = (from: string, to: string) => {
      const values = [...daily].filter(([day]) => day >= from && day <= to).map(([, orders]) => orders);
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    };
    expect(daily.get('2025-11-11')!).toBeGreaterThan(3 * mean('2025-10-01', '2025-10-31'));
    expect(daily.get('2026-06-18')!).toBeGreaterThan(2 * mean('2026-06-01', '2026-06-07'));
    expect(mean('2026-02-14', '2026-02-20')).toBeLessThan(0.6 * mean('2026-01-10', '2026-02-06'));
    const hours = new Map(
      (
        await rows<{ hour: number; orders: number }>(
          'select hour(created_at) as hour, count(*) as orders from staging.stg_orders group by 1',
        )
      ).map((row) => [row.hour, row.orders]),
    );
    expect(hours.get(21)!).toBeGreaterThan(10 * hours.get(4)!);
  });

  it('keeps 14% of members as prospects who never buy, plus buyers who joined too late to have bought', async () => {
    const [members] = await rows<{ prospects: number; total: number }>(
      "select count(*) filter (where lifecycle_stage = 'prospect') as prospects, count(*) as total from marts.member_facts",
    );
    // A buyer's first purchase comes 0..29 days after joining (uniform over 730 days): on average
    // 14.5 / 730 of buyers would buy only after the end of history.
    expectProportion(members!.prospects / members!.total, 0.14 + 0.86 * (14.5 / 730), members!.total);
  });

  it('holds out control groups of the planted fractions, and the measured lift matches the true uplift', async () => {
    const measured = await rows<{ campaign_id: string; treatment: number; control: number; rate_t: number; rate_c: number | null }>(`
      with contacts as (select * from raw.campaign_contacts),
      responses as (
        select contacts.campaign_id, contacts.member_id, contacts.arm,
               exists (select 1 from raw.orders where orders.member_id = contacts.member_id
                       and orders.status in ('paid', 'shipped', 'completed')
                       and coalesce(orders.paid_at, orders.created_at) > contacts.contacted_at
                       and coalesce(orders.paid_at, orders.created_at) <= contacts.contacted_at + interval 7 day) as responded
        from contacts
      )
      select campaign_id, count(*) filter (where arm = 'treatment') as treatment, count(*) filter (where arm = 'control') as control,
             avg(responded::integer) filter (where arm = 'treatment') as rate_t, avg(responded::integer) filter (where arm = 'control') as rate_c
      from responses group by campaign_id order by campaign_id`);
    expect(measured.map((row) => row.campaign_id)).toEqual(truth.campaigns.map((campaign) => campaign.campaign_id));
    for (const [index, row] of measured.entries()) {
      const planted = truth.campaigns[index]!;
      const size = row.treatment + row.control;
      expect(size).toBe(planted.targeted);
      if (planted.control_fraction === 0) {
        expect(row.control).toBe(0);
        continue;
      }
      expectProportion(row.control / size, planted.control_fraction, size);
      // Two-proportion standard error of the lift; the interval should cover the true uplift.
      const standardError = Math.sqrt((row.rate_t * (1 - row.rate_t)) / row.treatment + (row.rate_c! * (1 - row.rate_c!)) / row.control);
      const lift = row.rate_t - row.rate_c!;
      expect(
        Math.abs(lift - planted.true_uplift),
        `${planted.campaign_id}: lift ${lift.toFixed(4)} vs true ${planted.true_uplift.toFixed(4)} (SE ${standardError.toFixed(4)})`,
      ).toBeLessThanOrEqual(4 * standardError);
    }
  });
});
