import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AudienceOptions, exportAudience } from '../pipelines/audience/export-audience.js';
import { loadFile } from '../pipelines/load/load-file.js';
import { resolveRunContext } from '../pipelines/run/run-context.js';
import { openWarehouse, type Warehouse } from '../pipelines/warehouse/open-warehouse.js';
import { repoSeeds } from './helpers/repo-seeds.js';
import { runRefresh } from './helpers/run-refresh.js';
import { tempConfig } from './helpers/temp-warehouse.js';
import { writeFiles } from './helpers/write-files.js';

// A hand-made shop as of 2026-11-20 (its latest purchase), shop cycle C = 50 days (so the in-cycle
// guard's threshold is 0.8 x 50 = 40 days). Days since the last purchase: b01 50, b02 19, b03 66,
// b04 0, b05 31, b06 26 (two purchases), b07 15, b08 172; b09 never bought.
const orders = [
  ['o01', 'b01', '2026-10-01', 'TOP1', 'tops', '浙江省', '杭州市'],
  ['o02', 'b02', '2026-11-01', 'TOP2', 'tops', '浙江', '宁波'],
  ['o03', 'b03', '2026-09-15', 'PANT1', 'pants', '江苏省', '南京市'],
  ['o04', 'b04', '2026-11-20', 'TOP1', 'tops', '上海市', '上海市'],
  ['o05', 'b05', '2026-10-20', 'SOCK1', 'underwear', '广东省', '广州市'],
  ['o06', 'b06', '2026-08-01', 'TOP1', 'tops', '广东省', '深圳市'],
  ['o07', 'b06', '2026-10-25', 'PANT1', 'pants', '广东省', '深圳市'],
  ['o08', 'b07', '2026-11-05', 'PANT1', 'pants', '江苏省', '苏州市'],
  ['o09', 'b08', '2026-06-01', 'TOP2', 'tops', '浙江省', '温州市'],
];
const phoneOf = (member: string) => `1380000000${member.slice(2)}`;

const shop = {
  'orders.csv': [
    'order_id,member_id,created_at,paid_at,status,paid_amount,province,city,phone',
    ...orders.map(
      ([id, member, day, , , province, city]) =>
        `${id},${member},${day} 12:00:00,${day} 12:00:00,completed,100.00,${province},${city},${phoneOf(member!)}`,
    ),
  ].join('\n'),
  'order_items.csv': [
    'order_id,product_id,category,quantity,amount',
    ...orders.map(([id, , , product, category]) => `${id},${product},${category},1,100.00`),
  ].join('\n'),
  'members.csv': 'member_id,joined_at,province,city\nb09,2026-09-01 09:00:00,北京市,北京市\n',
  // Unsubscribes: b01 from SMS, b02 from everything, b03 from e-mail (written as the export has it),
  // b04 from SMS only after the send, b05 from SMS without a time (since always).
  'opt_outs.csv': [
    'member_id,channel,opted_out_at',
    'b01,sms,2026-11-01 08:00:00',
    'b02,,2026-11-10 08:00:00',
    'b03, EDM ,2026-11-01 08:00:00',
    'b04,sms,2026-11-25 10:00:00',
    'b05,sms,',
  ].join('\n'),
  'campaigns.csv': [
    'campaign_id,name,channel,sent_at,cost_per_contact',
    'P1,p1,sms,2026-11-15 10:00:00,0.05',
    'P2,p2,sms,2026-11-18 10:00:00,0.05',
    'P3,p3,edm,2026-11-14 10:00:00,0.01',
    'P4,p4,push,2026-11-20 09:00:00,0',
  ].join('\n'),
  // Delivered treatment contacts in the 7 days up to 2026-11-21 10:00: b06 2 and b09 2 (capped);
  // b07 1 (P3 is exactly 7 days before, outside), b08 1 (P2 held it out), b03 1 (P1 undelivered).
  'campaign_contacts.csv': [
    'campaign_id,member_id,contacted_at,arm,delivered',
    'P1,b06,2026-11-15 10:00:00,treatment,',
    'P2,b06,2026-11-18 10:00:00,treatment,',
    'P1,b07,2026-11-15 10:00:00,treatment,',
    'P3,b07,2026-11-14 10:00:00,treatment,',
    'P1,b08,2026-11-15 10:00:00,treatment,',
    'P2,b08,2026-11-18 10:00:00,control,',
    'P1,b03,2026-11-15 10:00:00,treatment,false',
    'P2,b03,2026-11-18 10:00:00,treatment,true',
    'P2,b09,2026-11-18 10:00:00,treatment,',
    'P4,b09,2026-11-20 09:00:00,treatment,',
  ].join('\n'),
};

const config = tempConfig();
let warehouse: Warehouse;
let exports = 0;

// Exports with the given options and returns the members of the channel file and the control file.
async function run(options: Partial<AudienceOptions> = {}, parameters: Record<string, string> = {}) {
  exports += 1;
  const out = join(config.dataDir, 'exports', `audience-${exports}.csv`);
  const result = await exportAudience(
    warehouse.db,
    { campaignId: `X${exports}`, sendAt: '2026-11-21 10:00', out, ...options },
    await resolveRunContext(config, { overrides: parameters }),
  );
  return { ...result, members: membersOf(result.path), control: result.controlPath ? membersOf(result.controlPath) : [] };
}

const lines = (path: string) => readFileSync(path, 'utf8').trim().split('\n');
const membersOf = (path: string) =>
  lines(path)
    .slice(1)
    .map((line) => line.split(',')[1]!)
    .sort();
// Filters alone: a push sent before any opt-out or contact of the fixture, so that no guard applies
// (days since a purchase count to the as-of date all the same).
const selected = async (filters: AudienceOptions['filters']) => {
  const result = await run({ filters, channel: 'push', sendAt: '2026-10-31 10:00' });
  expect(result.rows).toBe(result.matched);
  return result.members;
};

beforeAll(async () => {
  warehouse = await openWarehouse(config);
  await runRefresh(warehouse, { inputs: [writeFiles(shop)], parameters: { shop_cycle_days: '50' } });
}, 120_000);

afterAll(async () => {
  await warehouse?.close();
});

describe('audience filters', () => {
  it('selects members who bought a category or a product between two days, inclusive, or anything then', async () => {
    expect(await selected({ 'bought-category': 'tops', 'bought-between': ['2026-10-01', '2026-11-01'] })).toEqual(['b01', 'b02']);
    expect(await selected({ 'bought-product': 'PANT1', 'bought-between': ['2026-09-15', '2026-10-25'] })).toEqual(['b03', 'b06']);
    expect(await selected({ 'bought-product': 'PANT1' })).toEqual(['b03', 'b06', 'b07']);
    expect(await selected({ 'bought-between': ['2026-11-01', '2026-11-10'] })).toEqual(['b02', 'b07']);
    await expect(selected({ 'bought-between': ['2026-11-10', '2026-11-01'] })).rejects.toThrow('from,to with from <= to');
  });

  it('selects by days since the last purchase, min and max inclusive; members who never bought match neither', async () => {
    expect(await selected({ 'min-days-since-purchase': 26, 'max-days-since-purchase': 50 })).toEqual(['b01', 'b05', 'b06']);
    expect(await selected({ 'min-days-since-purchase': 60 })).toEqual(['b03', 'b08']);
    expect(await selected({ 'max-days-since-purchase': 15 })).toEqual(['b04', 'b07']);
  });

  it('selects by province, with or without 省 or 市', async () => {
    expect(await selected({ province: ['浙江', '上海'] })).toEqual(['b01', 'b02', 'b04', 'b08']);
    expect(await selected({ province: ['江苏省'] })).toEqual(['b03', 'b07']);
    expect(await selected({ province: ['北京市'] })).toEqual(['b09']);
  });

  it('leaves out members who bought the promoted product within N days (same-item exclusion)', async () => {
    // TOP1: b01 50 days ago (within 50), b04 today; b06 111 days ago stays.
    expect(await selected({ 'promoted-product': 'TOP1', 'exclude-promoted-within': 50 })).toEqual([
      'b02',
      'b03',
      'b05',
      'b06',
      'b07',
      'b08',
      'b09',
    ]);
    expect(await selected({ 'promoted-product': 'TOP1', 'exclude-promoted-within': 49 })).toContain('b01');
    await expect(selected({ 'promoted-product': 'TOP1' })).rejects.toThrow(
      'audience: --promoted-product: goes with --exclude-promoted-within, and the other way round',
    );
  });
});

describe('audience guards', () => {
  it('leaves out members opted out of the channel or of every channel at or before the send time, and counts them', async () => {
    const sms = await run({ channel: 'sms' });
    expect(sms.guards.opted_out).toBe(3); // b01 (sms), b02 (all), b05 (sms, no time); not b03 (edm) nor b04 (later)
    expect(sms.members).not.toContain('b01');
    expect(sms.members).toContain('b04');
    expect((await run({ channel: 'edm' })).guards.opted_out).toBe(2); // b02, b03
    expect((await run()).guards.opted_out).toBe(4); // no channel: any opt-out, b01 b02 b03 b05
    expect((await run({ channel: 'sms', sendAt: '2026-11-25 10:00' })).members).not.toContain('b04');
  });

  it('applies an opt-out loaded after the last build at once', async () => {
    const late = writeFiles({ 'opt_outs-late.csv': 'member_id,channel,opted_out_at\nb08,sms,2026-11-19 20:00:00\n' });
    await loadFile(warehouse.db, join(late, 'opt_outs-late.csv'), { ...repoSeeds });
    const sms = await run({ channel: 'sms' });
    expect(sms.members).not.toContain('b08');
    expect(sms.guards.opted_out).toBe(4);
    expect((await run({ channel: 'edm' })).members).toContain('b08');
  });

  it('caps contacts at contact_cap_contacts delivered treatment contacts in contact_cap_days up to the send time', async () => {
    const capped = await run({ channel: 'edm' });
    expect(capped.guards.frequency_cap).toBe(2); // b06, b09
    expect(capped.members).toEqual(['b01', 'b04', 'b05', 'b07', 'b08']); // b02 b03 opted out of e-mail
    expect((await run({ channel: 'edm' }, { contact_cap_contacts: '3' })).guards.frequency_cap).toBe(0);
    expect((await run({ channel: 'edm' }, { contact_cap_contacts: '' })).guards.frequency_cap).toBe(0);
    // Eight days reach P3's contact of b07.
    expect((await run({ channel: 'edm' }, { contact_cap_days: '8' })).guards.frequency_cap).toBe(3);
    // A campaign's own earlier contacts do not count against it: exported again, P2 leaves b06 and b09 one each.
    expect((await run({ campaignId: 'P2', channel: 'edm' })).guards.frequency_cap).toBe(0);
  });

  it('leaves out members inside their repurchase cycle from a discount campaign, unless asked to keep them', async () => {
    // After opt-outs (b01 b02 b05 b08) and the cap (b06 b09): b03 (66 days), b04 (0), b07 (15); 0.8 C = 40.
    const discount = await run({ channel: 'sms', filters: { discount: true } });
    expect(discount.guards).toEqual({ opted_out: 4, rule_cap: 0, frequency_cap: 2, in_cycle: 2, control_arm_split: 0 });
    expect(discount.members).toEqual(['b03']);
    expect(discount).toMatchObject({ matched: 9, rows: 1 });
    const coupon = await run({ channel: 'sms', campaign: { name: 'c', costPerContact: 0.05, couponValue: 10 } });
    expect(coupon.members).toEqual(['b03']);
    const kept = await run({ channel: 'sms', filters: { discount: true, 'include-in-cycle': true } });
    expect(kept.guards.in_cycle).toBe(0);
    expect(kept.members).toEqual(['b03', 'b04', 'b07']);
    expect((await run({ channel: 'sms' })).members).toEqual(['b03', 'b04', 'b07']);
    expect((await run({ channel: 'sms', filters: { discount: true } }, { in_cycle_share: '0.2' })).members).toEqual(['b03', 'b07']);
  });

  it('writes the treatment arm with phones to the channel file and the control arm, without phones, to a second file', async () => {
    // edm: b02 b03 opted out, b06 b09 capped; five left to split.
    const split = await run({ channel: 'edm', controlFraction: 0.5, seed: 3 });
    expect(split.controlPath).toBe(join(dirname(split.path), `audience-${exports}.control.csv`));
    expect(split.members.length).toBeGreaterThan(0);
    expect(split.control.length).toBeGreaterThan(0);
    expect([...split.members, ...split.control].sort()).toEqual(['b01', 'b04', 'b05', 'b07', 'b08']);
    expect(split.guards.control_arm_split).toBe(split.control.length);
    expect(split).toMatchObject({ rows: 5, controlRows: split.control.length });
    const channel = lines(split.path);
    expect(channel[0]).toBe('campaign_id,member_id,contacted_at,arm,phone,segment,lifecycle_stage,member_level,city_tier');
    expect(channel.slice(1).every((line) => line.split(',')[3] === 'treatment')).toBe(true);
    expect(channel.slice(1).map((line) => line.split(',')[4])).toEqual(split.members.map(phoneOf));
    const control = readFileSync(split.controlPath!, 'utf8');
    expect(control.split('\n')[0]).toBe('campaign_id,member_id,contacted_at,arm');
    expect(
      control
        .split('\n')
        .slice(1, -1)
        .every((line) => line.endsWith(',control')),
    ).toBe(true);
    expect(control).not.toMatch(/1380000000/);
    // The export log has what each guard did and where the control arm went.
    const [logged] = (
      await sql<{ guards: string; control_path: string; rows: number; matched: number; channel: string }>`
        select guards, control_path, rows, matched, channel from ops.exports where campaign_id = ${`X${exports}`}`.execute(warehouse.db)
    ).rows;
    expect(JSON.parse(logged!.guards)).toEqual({
      opted_out: 2,
      rule_cap: 0,
      frequency_cap: 2,
      in_cycle: 0,
      control_arm_split: split.control.length,
    });
    expect(logged).toMatchObject({ control_path: split.controlPath, rows: 5, matched: 9, channel: 'edm' });
    // Without a control share there is no control file.
    const whole = await run({ channel: 'edm' });
    expect(whole.controlPath).toBeNull();
    expect(existsSync(whole.path.replace('.csv', '.control.csv'))).toBe(false);
  });
});

describe('loading an export back', () => {
  it('loads both files and the campaigns row written beside them as a measured campaign', async () => {
    const out = join(config.dataDir, 'sent', 'campaign_contacts-L1.csv');
    const sent = await exportAudience(
      warehouse.db,
      {
        campaignId: 'L1',
        sendAt: '2026-11-20 08:00',
        out,
        channel: 'edm',
        controlFraction: 0.5,
        seed: 3,
        campaign: { name: '回购提醒 L1', costPerContact: 0.01, couponCode: 'L1OFF', couponValue: 5 },
      },
      await resolveRunContext(config),
    );
    expect(sent.campaignPath).toBe(join(dirname(out), 'campaigns-L1.csv'));
    expect(readFileSync(sent.campaignPath!, 'utf8')).toBe(
      'campaign_id,name,channel,sent_at,cost_per_contact,coupon_value,coupon_code\nL1,回购提醒 L1,edm,2026-11-20 08:00:00,0.01,5,L1OFF\n',
    );
    expect(sent.controlRows).toBeGreaterThan(0);
    expect(sent.rows - sent.controlRows).toBeGreaterThan(0);
    const results: string[] = [];
    await runRefresh(warehouse, { inputs: [dirname(out)], parameters: { shop_cycle_days: '50' }, log: (line) => results.push(line) });
    const { rows: loaded } = await sql<{ table_name: string; rows_loaded: number }>`
      select table_name, rows_loaded from ops.loaded_files where path like ${`${dirname(out)}%`} order by path`.execute(warehouse.db);
    expect(loaded).toEqual([
      { table_name: 'campaign_contacts', rows_loaded: sent.controlRows },
      { table_name: 'campaign_contacts', rows_loaded: sent.rows - sent.controlRows },
      { table_name: 'campaigns', rows_loaded: 1 },
    ]);
    const { rows } = await sql<{ treatment_size: number; control_size: number; coupon_code: string }>`
      select treatment_size, control_size, coupon_code from marts.campaign_roi where campaign_id = 'L1'`.execute(warehouse.db);
    expect(rows).toEqual([{ treatment_size: sent.rows - sent.controlRows, control_size: sent.controlRows, coupon_code: 'L1OFF' }]);
  });
});
