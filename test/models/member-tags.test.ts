import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportAudience } from '../../pipelines/audience/export-audience.js';
import { resolveRunContext } from '../../pipelines/run/run-context.js';
import { openWarehouse, type Warehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { runRefresh } from '../helpers/run-refresh.js';
import { tempConfig } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

// a: A1 (10-01) P1 ¥100 + P2 ¥200; A2 (10-10) P1 ¥100, ¥50 of it refunded; A3 (10-20) P3 ¥120.
//    style: 通勤 100 + 50 + 120 = 270 over 3 purchases, 休闲 200: 通勤 at 270 / 470.
//    colour: 白色 200 (one purchase) beats 黑色 150: the top value rests on one purchase, no tag.
//    item prices 100, 200, 100, 120: median 110, band mid; mid items 270 of 470.
// b: four purchases of ¥80, P4 (甜美) twice and P5 (休闲, then 运动 in the later file) twice:
//    a tie at 160 / 320 and two purchases each goes to the first in text order, 甜美 (U+751C < U+8FD0).
// c: one purchase: no tag at all. d: P9, not in the products file, twice at ¥400: only the band, luxury.
const orders = [
  'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount',
  'A1,a,2026-10-01 10:00:00,2026-10-01 10:00:00,completed,300,0',
  'A2,a,2026-10-10 10:00:00,2026-10-10 10:00:00,completed,100,50',
  'A3,a,2026-10-20 10:00:00,2026-10-20 10:00:00,completed,120,0',
  'B1,b,2026-10-02 10:00:00,2026-10-02 10:00:00,completed,80,0',
  'B2,b,2026-10-03 10:00:00,2026-10-03 10:00:00,completed,80,0',
  'B3,b,2026-10-04 10:00:00,2026-10-04 10:00:00,completed,80,0',
  'B4,b,2026-10-05 10:00:00,2026-10-05 10:00:00,completed,80,0',
  'C1,c,2026-10-06 10:00:00,2026-10-06 10:00:00,completed,100,0',
  'D1,d,2026-10-07 10:00:00,2026-10-07 10:00:00,completed,400,0',
  'D2,d,2026-10-08 10:00:00,2026-10-08 10:00:00,completed,400,0',
].join('\n');
const orderItems = [
  'order_id,product_id,quantity,unit_price,amount',
  'A1,P1,1,100,100',
  'A1,P2,1,200,200',
  'A2,P1,1,100,100',
  'A3,P3,1,120,120',
  'B1,P4,1,80,80',
  'B2,P4,1,80,80',
  'B3,P5,1,80,80',
  'B4,P5,1,80,80',
  'C1,P1,1,100,100',
  'D1,P9,1,400,400',
  'D2,P9,1,400,400',
].join('\n');
// The later file gives P5 another style, leaves P3 out (kept) and has a row without a product id (quarantined).
const products = [
  'product_id,product_name,category,style,colour,material,fabric_weight',
  'P1,衬衫,tops,通勤,黑色,棉,120g',
  'P2,卫衣,tops,休闲,白色,棉,300g',
  'P3,西装裤,pants,通勤,,化纤,',
  'P4,碎花裙,dresses,甜美,,,',
  'P5,运动裤,pants,休闲,,,',
].join('\n');
const laterProducts = ['product_id,style', 'P5,运动', ',通勤'].join('\n');

const config = tempConfig();
let warehouse: Warehouse;

async function rows<T>(text: string): Promise<T[]> {
  return (await sql.raw<T>(text).execute(warehouse.db)).rows;
}

beforeAll(async () => {
  const inbox = writeFiles({
    'orders.csv': orders,
    'order_items.csv': orderItems,
    'products.csv': products,
    'products_later.csv': laterProducts,
  });
  warehouse = await openWarehouse(config);
  await runRefresh(warehouse, { inputs: [inbox] });
}, 120_000);

afterAll(async () => {
  await warehouse?.close();
});

describe('the products file', () => {
  it('loads the known columns, quarantines a row without a product id, and a later delivery replaces only what it gives', async () => {
    expect(
      await rows(
        `select path, table_name, rows_loaded, rows_quarantined from ops.loaded_files where table_name = 'products' order by file_id`,
      ),
    ).toEqual([
      { path: expect.stringMatching(/products\.csv$/), table_name: 'products', rows_loaded: 5, rows_quarantined: 0 },
      { path: expect.stringMatching(/products_later\.csv$/), table_name: 'products', rows_loaded: 1, rows_quarantined: 1 },
    ]);
    expect(await rows('select product_id, product_name, style, colour from staging.stg_products order by product_id')).toEqual([
      { product_id: 'P1', product_name: '衬衫', style: '通勤', colour: '黑色' },
      { product_id: 'P2', product_name: '卫衣', style: '休闲', colour: '白色' },
      { product_id: 'P3', product_name: '西装裤', style: '通勤', colour: null },
      { product_id: 'P4', product_name: '碎花裙', style: '甜美', colour: null },
      { product_id: 'P5', product_name: '运动裤', style: '运动', colour: null },
    ]);
  });
});

describe('marts.member_tags', () => {
  it('tags each attribute with the value of the largest share of net spend, under the rules of the seeds, and the median price band', async () => {
    const tags = await rows<Record<string, unknown>>(`
      select contacts.buyer_id, tags.attribute, tags.value, tags.value_label, round(tags.spend_share, 6) as spend_share, tags.purchases
      from marts.member_tags as tags inner join staging.stg_member_contacts as contacts using (member_id)
      order by contacts.buyer_id, tags.attribute`);
    expect(tags.map((row) => Object.values(row))).toEqual([
      ['a', 'material', '棉', '棉', 0.744681, 2], // 棉 P1 100 + 50, P2 200: 350 of 470 (P3 化纤 120)
      ['a', 'price_band', 'mid', '中 mid', 0.574468, 3],
      ['a', 'style', '通勤', '通勤', 0.574468, 3],
      ['b', 'price_band', 'low', '低 low', 1, 4],
      ['b', 'style', '甜美', '甜美', 0.5, 2],
      ['d', 'price_band', 'luxury', '奢 luxury', 1, 2],
    ]);
  });

  it('keeps a tag only when the purchases and the share reach the parameters', async () => {
    await runRefresh(warehouse, { parameters: { tag_min_purchases: '3', tag_min_share: '0.6' } });
    const tags = await rows(`
      select contacts.buyer_id, tags.attribute, tags.value
      from marts.member_tags as tags inner join staging.stg_member_contacts as contacts using (member_id)
      order by contacts.buyer_id, tags.attribute`);
    // a's 棉 (2 purchases) and 通勤 (0.57) fall; a's band stands on 3 purchases, b's on 4; d's 2 are too few.
    expect(tags).toEqual([
      { buyer_id: 'a', attribute: 'price_band', value: 'mid' },
      { buyer_id: 'b', attribute: 'price_band', value: 'low' },
    ]);
    await runRefresh(warehouse);
  });
});

describe('audience filters on tags', () => {
  const exported = async (name: string, filters: Record<string, unknown>) => {
    const out = join(config.dataDir, `${name}.csv`);
    await exportAudience(warehouse.db, { campaignId: name, sendAt: '2026-11-01 10:00', out, filters }, await resolveRunContext(config));
    return (await rows<{ member_id: string }>(`select member_id from read_csv('${out}') order by member_id`)).map((row) => row.member_id);
  };

  it('selects by tag: every attribute given, with one of its values', async () => {
    expect(await exported('T1', { tag: ['style=通勤'] })).toEqual(['a']);
    expect(await exported('T2', { tag: ['style=通勤', 'style=甜美'] })).toEqual(['a', 'b']);
    expect(await exported('T3', { tag: ['style=甜美', 'price_band=mid'] })).toEqual([]);
    expect(await exported('T4', { tag: ['price_band=luxury'] })).toEqual(['d']);
  });

  it('selects members who bought in a price band or above, whatever their median', async () => {
    // a bought P2 at ¥200 (high), d at ¥400 (luxury); b and c never above mid.
    expect(await exported('B1', { 'bought-price-band': 'high' })).toEqual(['a', 'd']);
    expect(await exported('B2', { 'bought-price-band': 'mid' })).toEqual(['a', 'c', 'd']);
  });

  it('refuses a tag or a band the shop does not have, with the values it has', async () => {
    const context = await resolveRunContext(config);
    const out = join(config.dataDir, 'refused.csv');
    await expect(
      exportAudience(warehouse.db, { campaignId: 'R1', sendAt: '2026-11-01', out, filters: { tag: ['style=商务'] } }, context),
    ).rejects.toThrow(
      "--tag: unknown member tag 'style=商务'; give one of colour=白色, colour=黑色, material=化纤, material=棉, style=休闲, style=甜美, style=运动, style=通勤, price_band=low, price_band=mid, price_band=high, price_band=luxury (the products file's attributes and seeds/price_bands.csv)",
    );
    await expect(
      exportAudience(warehouse.db, { campaignId: 'R2', sendAt: '2026-11-01', out, filters: { 'bought-price-band': 'premium' } }, context),
    ).rejects.toThrow("--bought-price-band: unknown price band 'premium'; give one of low, mid, high, luxury (seeds/price_bands.csv)");
  });
});
