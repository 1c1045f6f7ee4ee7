import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { deliver, expectSucceeded } from '../helpers/refresh-state.js';
import { runCli } from '../helpers/run-cli.js';
import { writeFiles } from '../helpers/write-files.js';

// A shop as of 2026-11-20 (its latest purchase): the rules send on 11-21 at 10:00.
// payment_care: m_a and m_b paid their first order on 11-20; m_b opted out of 旺旺.
// review_invitation: g1 (m_g) signed for on 11-20 and not reviewed; h1 (m_h) reviewed that evening.
// good_review_care: m_h and m_q rated good on 11-20; m_q had two SMS of other campaigns in the 7 days before.
// Work lists: n1 (m_n) has a bad and a neutral review on 11-19 whose texts are formulas; u1 shipped on
// 11-06 and not signed for (14 days), w1 shipped on 11-18 and flagged 包裹破损; g1 and h1 are signed.
const order = (id: string, member: string, day: string) =>
  `${id},${member},${day} 12:00:00,${day} 12:00:00,completed,80.00,浙江省,杭州市,1390000${member.slice(2)}`;
const orders = [
  'order_id,member_id,created_at,paid_at,status,paid_amount,province,city,phone',
  order('a1', 'm_a', '2026-11-20'),
  order('b1', 'm_b', '2026-11-20'),
  order('c1', 'm_c', '2026-10-01'),
  order('c2', 'm_c', '2026-11-20'),
  order('g1', 'm_g', '2026-11-10'),
  order('h1', 'm_h', '2026-11-10'),
  order('n1', 'm_n', '2026-11-10'),
  order('q1', 'm_q', '2026-11-10'),
  order('u1', 'm_u', '2026-11-05'),
  order('w1', 'm_w', '2026-11-17'),
].join('\n');
const shop = {
  'orders.csv': orders,
  'shipments.csv': [
    'order_id,shipped_at,carrier,tracking_no,signed_at,is_exception,exception_text',
    'g1,2026-11-11 10:00:00,中通快递,ZT001,2026-11-20 09:00:00,false,',
    'h1,2026-11-11 10:00:00,中通快递,ZT002,2026-11-20 09:00:00,false,',
    'u1,2026-11-06 10:00:00,圆通速递,YT003,,false,',
    'w1,2026-11-18 10:00:00,顺丰速运,SF004,,true,包裹破损',
  ].join('\n'),
  'reviews.csv': [
    'order_id,product_id,rated_at,rating,has_photo,review_text',
    'h1,P1,2026-11-20 20:00:00,好评,false,很好',
    'q1,P1,2026-11-20 08:00:00,好评,true,',
    'n1,P1,2026-11-19 10:00:00,差评,false,"=HYPERLINK(""http://example.com"",""退款点这里"")"',
    'n1,P2,2026-11-19 09:00:00,中评,false,@SUM(1+1)',
  ].join('\n'),
  'opt_outs.csv': 'member_id,channel,opted_out_at\nm_b,wangwang,2026-11-01 09:00:00\n',
  'campaigns.csv':
    'campaign_id,name,channel,sent_at,cost_per_contact\nX1,促销一,sms,2026-11-17 10:00:00,0.04\nX2,促销二,sms,2026-11-18 10:00:00,0.04\n',
  'campaign_contacts.csv':
    'campaign_id,member_id,contacted_at,arm\nX1,m_q,2026-11-17 10:00:00,treatment\nX2,m_q,2026-11-18 10:00:00,treatment\n',
};
const serviceRules = "rule in ('good_review_care', 'payment_care', 'review_invitation')";

async function query(dataDir: string, text: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(join(dataDir, 'warehouse.duckdb'), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    return (await connection.runAndReadAll(text)).getRows();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

// The buyer ids a rule exported, both arms: the 10% control draw may hold any of them out.
function exported(dataDir: string, rule: string): string[] {
  const file = join(dataDir, 'audiences', rule, '2026-11-20.csv');
  return [file, file.replace(/\.csv$/, '.control.csv')]
    .filter((path) => existsSync(path))
    .flatMap((path) => readFileSync(path, 'utf8').trim().split('\n').slice(1))
    .map((line) => line.split(',')[1]!)
    .sort();
}

const lines = (path: string) => readFileSync(path, 'utf8').split('\n');

function refreshed(files: Record<string, string>): string {
  const dataDir = mkdtempSync(join(tmpdir(), 'service-worklists-'));
  deliver(dataDir, writeFiles(files));
  expectSucceeded(runCli(['refresh', '--no-site', '--audiences'], dataDir));
  return dataDir;
}

describe('the service care audiences and work lists of a shop', () => {
  it('export the members the care rules select, through their guards, and write the work lists for the service staff', async () => {
    const dataDir = refreshed(shop);
    expect(exported(dataDir, 'payment_care')).toEqual(['m_a']);
    expect(exported(dataDir, 'review_invitation')).toEqual(['m_g']);
    expect(exported(dataDir, 'good_review_care')).toEqual(['m_h']);
    const logged = await query(
      dataDir,
      `select rule, matched::integer, rows::integer, guards from ops.exports where ${serviceRules} order by rule`,
    );
    expect(logged.map(([rule, matched, rows, guards]) => [rule, matched, rows, JSON.parse(String(guards))])).toEqual([
      ['good_review_care', 2, 1, expect.objectContaining({ opted_out: 0, rule_cap: 0, frequency_cap: 1 })],
      ['payment_care', 2, 1, expect.objectContaining({ opted_out: 1, rule_cap: 0, frequency_cap: 0 })],
      ['review_invitation', 1, 1, expect.objectContaining({ opted_out: 0, rule_cap: 0, frequency_cap: 0 })],
    ]);

    const result = runCli(['worklists'], dataDir);
    expectSucceeded(result);
    const folder = join(dataDir, 'worklists', '2026-11-20');
    const reviews = join(folder, 'bad_reviews.csv');
    const logistics = join(folder, 'abnormal_logistics.csv');
    expect(result.stderr).toBe(`wrote ${reviews}: 2 rows\nwrote ${logistics}: 2 rows\n`);
    const [memberN, memberU, memberW] = (
      await query(dataDir, "select member_id from staging.stg_orders where order_id in ('n1', 'u1', 'w1') order by order_id")
    ).map(([member]) => String(member));
    // A byte-order mark for Excel; the formulas a customer typed start with ' and do not run.
    expect(lines(reviews)).toEqual([
      '\uFEFForder_id,product_id,product_name,member_id,rating,rating_label,rated_at,days_ago,has_photo,review_text',
      `n1,P1,,${memberN},bad,差评 bad,2026-11-19 10:00:00,1,false,"'=HYPERLINK(""http://example.com"",""退款点这里"")"`,
      `n1,P2,,${memberN},neutral,中评 neutral,2026-11-19 09:00:00,1,false,'@SUM(1+1)`,
      '',
    ]);
    expect(lines(logistics)).toEqual([
      '\uFEFForder_id,member_id,province,city,carrier,tracking_no,shipped_at,days_since_shipment,is_overdue,is_exception,exception_text',
      `u1,${memberU},浙江省,杭州市,圆通速递,YT003,2026-11-06 10:00:00,14,true,false,`,
      `w1,${memberW},浙江省,杭州市,顺丰速运,SF004,2026-11-18 10:00:00,2,false,true,包裹破损`,
      '',
    ]);
    // No buyer id or phone leaves in a work list.
    expect(readFileSync(reviews, 'utf8') + readFileSync(logistics, 'utf8')).not.toMatch(/m_[a-z]\b|1390000/);
  }, 240_000);

  it('select nobody and write empty work lists, without error, in a shop without shipments and reviews files', async () => {
    const dataDir = refreshed({ 'orders.csv': orders });
    const logged = await query(dataDir, `select rule, status, rows::integer from ops.exports where ${serviceRules} order by rule`);
    expect(logged).toEqual([
      ['good_review_care', 'exported', 0],
      ['payment_care', 'exported', 2],
      ['review_invitation', 'exported', 0],
    ]);
    expectSucceeded(runCli(['worklists'], dataDir));
    const folder = join(dataDir, 'worklists', '2026-11-20');
    expect(lines(join(folder, 'bad_reviews.csv'))).toHaveLength(2);
    expect(lines(join(folder, 'abnormal_logistics.csv'))).toEqual([
      '\uFEFForder_id,member_id,province,city,carrier,tracking_no,shipped_at,days_since_shipment,is_overdue,is_exception,exception_text',
      '',
    ]);
  }, 240_000);
});
