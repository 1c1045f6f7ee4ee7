import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectableLiftLine, exportAudience } from '../pipelines/audience/export-audience.js';
import { generateShop } from '../pipelines/generate/generate-shop.js';
import { loadFile } from '../pipelines/load/load-file.js';
import { resolveRunContext } from '../pipelines/run/run-context.js';
import { openWarehouse, type Warehouse } from '../pipelines/warehouse/open-warehouse.js';
import { repoSeeds, shopTimeZone } from './helpers/repo-seeds.js';
import { runRefresh } from './helpers/run-refresh.js';
import { tempConfig } from './helpers/temp-warehouse.js';
import { writeFiles } from './helpers/write-files.js';

const config = tempConfig();
let warehouse: Warehouse;

async function rows<T>(text: string): Promise<T[]> {
  return (await sql.raw<T>(text).execute(warehouse.db)).rows;
}

beforeAll(async () => {
  const shopDir = join(config.dataDir, 'shop');
  await generateShop({ shopTimeZone, members: 8000, days: 730, endDate: '2026-11-20', seed: 8, outDir: shopDir });
  warehouse = await openWarehouse(config);
  await runRefresh(warehouse, { inputs: [shopDir] });
}, 300_000);

afterAll(async () => {
  await warehouse?.close();
});

describe('audience export', () => {
  it('selects by stage, recent purchase and order value, with phones and a control group of the asked share', async () => {
    const out = join(config.dataDir, 'winback.csv');
    const result = await exportAudience(
      warehouse.db,
      {
        campaignId: 'W1',
        sendAt: '2026-11-21 10:00',
        out,
        controlFraction: 0.2,
        filters: { stage: ['silent', 'sleeping'], 'exclude-bought-within': 90, price: 199, 'min-value-ratio': 0.5 },
      },
      await resolveRunContext(config),
    );
    // The channel file holds the treatment arm with phones; the control arm is in its own file.
    await sql
      .raw(`create temp table exported as
        select * from read_csv('${out}', types = {'phone': 'VARCHAR'})
        union all by name
        select * from read_csv('${result.controlPath}')`)
      .execute(warehouse.db);
    // Checked against the orders in staging, not the marts the export read: the last purchase day
    // and the average order value (in cents, as the marts hold it) of each exported buyer.
    const [check] = await rows<Record<string, number>>(`
      with purchases as (
        select contacts.buyer_id as member_id, orders.purchased_at::date as day, orders.net_amount as net
        from staging.stg_orders as orders inner join staging.stg_member_contacts as contacts using (member_id)
        where orders.is_purchase
      ),
      buyers as (select member_id, max(day) as last_day, round(sum(net) / count(*), 2) as avg_order from purchases group by member_id)
      select count(*) as exported,
             count(*) filter (where date '2026-11-20' - buyers.last_day <= 90) as bought_recently,
             count(*) filter (where buyers.avg_order < 99.5) as below_value,
             count(*) filter (where exported.arm = 'treatment' and exported.phone not in (select phone from raw.orders where orders.member_id = exported.member_id)) as wrong_phone,
             count(*) filter (where exported.arm = 'control') as control,
             count(*) filter (where exported.arm = 'control' and exported.phone is not null) as control_phones
      from exported left join buyers using (member_id)`);
    expect(check).toMatchObject({
      exported: result.rows,
      bought_recently: 0,
      below_value: 0,
      wrong_phone: 0,
      control: result.controlRows,
      control_phones: 0,
    });
    expect(result.rows).toBeGreaterThan(500);
    const share = result.controlRows / result.rows;
    expect(Math.abs(share - 0.2)).toBeLessThanOrEqual(4 * Math.sqrt((0.2 * 0.8) / result.rows));
    const [logged] = await rows<{ rows: number; control_rows: number; filters: string }>(
      "select rows, control_rows, filters from ops.exports where campaign_id = 'W1'",
    );
    expect(logged).toMatchObject({ rows: result.rows, control_rows: result.controlRows });
    expect(JSON.parse(logged!.filters)).toMatchObject({ stage: ['silent', 'sleeping'], 'exclude-bought-within': 90, price: 199 });
  });

  it('selects members due for repurchase of a category: last bought it 0.8 to 1.2 of its cycle ago', async () => {
    const out = join(config.dataDir, 'due.parquet');
    const result = await exportAudience(
      warehouse.db,
      { campaignId: 'D1', sendAt: '2026-11-21', out, filters: { 'due-category': 'tops' } },
      await resolveRunContext(config),
    );
    const [cycle] = await rows<{ days: number }>(
      "select median_cycle_days as days from marts.product_repurchase_cycle where level = 'category' and item_key = 'tops'",
    );
    const lastTops = await rows<{ member_id: string; days_ago: number }>(`
      select orders.member_id, date '2026-11-20' - max(coalesce(orders.paid_at, orders.created_at)::date) as days_ago
      from raw.orders inner join raw.order_items using (order_id)
      where orders.status in ('paid', 'shipped', 'completed') and order_items.category = 'tops'
      group by orders.member_id`);
    const due = new Set(
      lastTops.filter((row) => row.days_ago >= 0.8 * cycle!.days && row.days_ago <= 1.2 * cycle!.days).map((row) => row.member_id),
    );
    const exported = await rows<{ member_id: string }>(`select member_id from read_parquet('${out}')`);
    expect(result.format).toBe('parquet');
    expect(new Set(exported.map((row) => row.member_id))).toEqual(due);
  });

  it('selects members due for repurchase of one product the same way', async () => {
    const out = join(config.dataDir, 'due-product.csv');
    await exportAudience(
      warehouse.db,
      { campaignId: 'D2', sendAt: '2026-11-21', out, filters: { 'due-product': 'TOP001' } },
      await resolveRunContext(config),
    );
    const [cycle] = await rows<{ days: number }>(
      "select median_cycle_days as days from marts.product_repurchase_cycle where level = 'product' and item_key = 'TOP001'",
    );
    const last = await rows<{ member_id: string; days_ago: number }>(`
      select orders.member_id, date '2026-11-20' - max(coalesce(orders.paid_at, orders.created_at)::date) as days_ago
      from raw.orders inner join raw.order_items using (order_id)
      where orders.status in ('paid', 'shipped', 'completed') and order_items.product_id = 'TOP001'
      group by orders.member_id`);
    const due = last
      .filter((row) => row.days_ago >= 0.8 * cycle!.days && row.days_ago <= 1.2 * cycle!.days)
      .map((row) => row.member_id)
      .sort();
    const exported = await rows<{ member_id: string }>(`select member_id from read_csv('${out}') order by member_id`);
    expect(due.length).toBeGreaterThan(0);
    expect(exported.map((row) => row.member_id)).toEqual(due);
  });

  it('selects by the forecast: P(alive) in a range (inclusive) and CLV deciles (1 = highest)', async () => {
    const out = join(config.dataDir, 'forecast.csv');
    const result = await exportAudience(
      warehouse.db,
      { campaignId: 'P1', sendAt: '2026-11-21', out, filters: { 'p-alive': [0.3, 0.6], 'clv-decile': [1, 2] } },
      await resolveRunContext(config),
    );
    const expected = await rows<{ member_id: string }>(`
      select contacts.buyer_id as member_id
      from marts.member_forecast as forecast
      inner join staging.stg_member_contacts as contacts on contacts.member_id = forecast.member_id
      where forecast.p_alive >= 0.3 and forecast.p_alive <= 0.6 and forecast.clv_decile <= 2
      order by 1`);
    const exported = await rows<{ member_id: string }>(`select member_id from read_csv('${out}') order by member_id`);
    expect(result.rows).toBeGreaterThan(20);
    expect(exported).toEqual(expected);
    await expect(
      exportAudience(
        warehouse.db,
        { campaignId: 'P2', sendAt: '2026-11-21', out, filters: { 'p-alive': [0.6, 0.3] } },
        await resolveRunContext(config),
      ),
    ).rejects.toThrow('audience: --p-alive: low,high with low <= high');
    await expect(
      exportAudience(
        warehouse.db,
        { campaignId: 'P2', sendAt: '2026-11-21', out, filters: { 'clv-decile': [0] } },
        await resolveRunContext(config),
      ),
    ).rejects.toThrow(/^audience: --clv-decile: Too small/);
  });

  it('is measured like any campaign once sent: both files and its campaigns row load back and campaign_roi reports it', async () => {
    const out = join(config.dataDir, 'sent', 'campaign_contacts-S1.csv');
    const result = await exportAudience(
      warehouse.db,
      {
        campaignId: 'S1',
        sendAt: '2026-11-01 10:00',
        out,
        controlFraction: 0.25,
        channel: 'sms',
        campaign: { name: '回头客短信', costPerContact: 0.04 },
        filters: { stage: ['active', 'returning'] },
      },
      await resolveRunContext(config),
    );
    const [contacts] = await loadFile(warehouse.db, out, { ...repoSeeds });
    expect(contacts).toMatchObject({ table: 'campaign_contacts', rowsLoaded: result.rows - result.controlRows, rowsQuarantined: 0 });
    expect(contacts!.ignoredColumns).toEqual(['phone', 'segment', 'lifecycle_stage', 'member_level', 'city_tier']);
    const [control] = await loadFile(warehouse.db, result.controlPath!, { ...repoSeeds });
    expect(control).toMatchObject({ table: 'campaign_contacts', rowsLoaded: result.controlRows, rowsQuarantined: 0, ignoredColumns: [] });
    await runRefresh(warehouse, { inputs: [result.campaignPath!] });
    const [roi] = await rows<{ treatment_size: number; control_size: number; lift_ci_low: number | null }>(
      "select treatment_size, control_size, lift_ci_low from marts.campaign_roi where campaign_id = 'S1'",
    );
    expect(roi).toMatchObject({ treatment_size: result.rows - result.controlRows, control_size: result.controlRows });
    expect(roi!.lift_ci_low).not.toBeNull();
  });

  it('tells before sending the smallest lift its arms can show, at the control response of the measured campaigns together or at a given rate', async () => {
    const filters = { stage: ['active', 'returning'] };
    const out = (name: string) => join(config.dataDir, `detectable-${name}.csv`);
    const result = await exportAudience(
      warehouse.db,
      { campaignId: 'L1', sendAt: '2026-11-21', out: out('L1'), controlFraction: 0.1, filters },
      await resolveRunContext(config),
    );
    const [typical] = await rows<{ rate: number; campaigns: number }>(
      'select sum(responders_c) / sum(control_size) as rate, count(*)::integer as campaigns from marts.campaign_roi where lift is not null',
    );
    expect([typical!.campaigns, typical!.rate]).toEqual([expect.any(Number), expect.any(Number)]);
    expect(typical!.rate).toBeGreaterThan(0);
    const { treatmentRows, controlRows } = result.detectableLift;
    expect([treatmentRows + controlRows, controlRows]).toEqual([result.rows, result.controlRows]);
    // (z_0.975 + z_0.80) √(p (1 − p) (1/n_t + 1/n_c)), z_0.975 = 1.959964, z_0.80 = 0.841621.
    const mdl = (1.959964 + 0.841621) * Math.sqrt(typical!.rate * (1 - typical!.rate) * (1 / treatmentRows + 1 / controlRows));
    expect(result.detectableLift).toMatchObject({
      controlFraction: 0.1,
      responseRate: typical!.rate,
      measuredCampaigns: typical!.campaigns,
    });
    expect(result.detectableLift.minimumDetectableLift).toBeCloseTo(mdl, 12);
    expect(detectableLiftLine(result.detectableLift)).toBe(
      `with ${result.rows.toLocaleString('en-US')} members and a 10% control arm (${controlRows.toLocaleString('en-US')} held out), ` +
        `the smallest lift this campaign can show is ${(mdl * 100).toFixed(1)} points (95% confidence, 80% power, ` +
        `at a ${(typical!.rate * 100).toFixed(1)}% response rate, the control response of ${typical!.campaigns} measured campaigns)`,
    );
    const given = await exportAudience(
      warehouse.db,
      { campaignId: 'L2', sendAt: '2026-11-21', out: out('L2'), controlFraction: 0.1, expectedResponseRate: 0.05, filters },
      await resolveRunContext(config),
    );
    expect(given.detectableLift).toMatchObject({ responseRate: 0.05, measuredCampaigns: null });
    const none = await exportAudience(
      warehouse.db,
      { campaignId: 'L3', sendAt: '2026-11-21', out: out('L3'), filters },
      await resolveRunContext(config),
    );
    expect(detectableLiftLine(none.detectableLift)).toBe(
      `with ${none.rows.toLocaleString('en-US')} members and no control arm, this campaign's lift cannot be measured`,
    );
  });

  it('prints the smallest detectable lift of hand-made arms: 1,000 treated and 100 held out at 5%', () => {
    // 2.801585 x √(0.05 x 0.95 x (1/1000 + 1/100)) = 2.801585 x 0.0228583 = 0.0640394: 6.4 points.
    const arms = { controlFraction: 0.1, treatmentRows: 1000, controlRows: 100, responseRate: 0.05, minimumDetectableLift: 0.0640394 };
    expect(detectableLiftLine({ ...arms, measuredCampaigns: null })).toBe(
      'with 1,100 members and a 10% control arm (100 held out), the smallest lift this campaign can show is 6.4 points (95% confidence, 80% power, at an expected 5.0% response rate)',
    );
    expect(detectableLiftLine({ ...arms, responseRate: null, minimumDetectableLift: null, measuredCampaigns: 0 })).toBe(
      'with 1,100 members and a 10% control arm (100 held out), no measured campaign gives a typical response rate: give --expected-response to see the smallest lift this campaign can show',
    );
  });

  it('writes Arrow IPC with the same rows as CSV', async () => {
    const filters = { stage: ['active'] };
    const csv = await exportAudience(
      warehouse.db,
      { campaignId: 'A1', sendAt: '2026-11-21', out: join(config.dataDir, 'a.csv'), filters },
      await resolveRunContext(config),
    );
    const arrow = await exportAudience(
      warehouse.db,
      { campaignId: 'A1', sendAt: '2026-11-21', out: join(config.dataDir, 'a.arrow'), filters },
      await resolveRunContext(config),
    );
    const table = tableFromIPC(readFileSync(join(config.dataDir, 'a.arrow')));
    expect(arrow).toMatchObject({ format: 'arrow', rows: csv.rows });
    expect(table.numRows).toBe(csv.rows);
    expect(table.schema.fields.map((field) => field.name)).toEqual([
      'campaign_id',
      'member_id',
      'contacted_at',
      'arm',
      'phone',
      'segment',
      'lifecycle_stage',
      'member_level',
      'city_tier',
    ]);
    const csvMembers = readFileSync(join(config.dataDir, 'a.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[1]);
    expect(table.getChild('member_id')!.toArray()).toEqual(csvMembers);
  });

  it('neutralises spreadsheet formulas in CSV cells', async () => {
    const small = tempConfig();
    const dir = writeFiles({
      'orders.csv':
        'order_id,member_id,created_at,paid_at,status,paid_amount,phone\n' +
        'o1,"=HYPERLINK(""http://x"",""y"")",2026-11-01 10:00:00,2026-11-01 10:00:00,completed,10,+8613800000000\n' +
        'o2,@sum,2026-11-02 10:00:00,2026-11-02 10:00:00,completed,10,13800000001\n',
    });
    const other = await openWarehouse(small);
    try {
      await runRefresh(other, { inputs: [dir] });
      const out = join(small.dataDir, 'audience.csv');
      await exportAudience(other.db, { campaignId: 'F1', sendAt: '2026-11-03', out }, await resolveRunContext(small));
      const lines = readFileSync(out, 'utf8').trim().split('\n').slice(1).sort();
      // As of 11-02 the mean recency is 0.5 days: the first buyer (1 day) is low R, F and M.
      expect(lines).toEqual([
        `F1,"'=HYPERLINK(""http://x"",""y"")",2026-11-03 00:00:00,treatment,'+8613800000000,lost_low_value,new,regular,`,
        `F1,'@sum,2026-11-03 00:00:00,treatment,13800000001,new_or_promising,new,regular,`,
      ]);
    } finally {
      await other.close();
    }
  });

  it('reads the warehouse only: a staging model it runs live cannot read a file, and nothing is written', async () => {
    const modelsDir = mkdtempSync(join(tmpdir(), 'audience-models-'));
    cpSync(config.modelsDir, modelsDir, { recursive: true });
    writeFileSync(
      join(modelsDir, 'staging/stg_opt_outs.sql'),
      "select content as member_id, 'sms' as channel, null::timestamp as opted_out_at from read_text('/etc/passwd')",
    );
    const out = join(config.dataDir, 'leak.csv');
    await expect(
      exportAudience(
        warehouse.db,
        { campaignId: 'L1', sendAt: '2026-11-21 10:00', out },
        await resolveRunContext({ ...config, modelsDir }),
      ),
    ).rejects.toThrow(/Permission Error: Cannot access file "\/etc\/passwd"/);
    expect(existsSync(out)).toBe(false);
    // The warehouse is open as before, with its file access back for the next command.
    const [facts] = await rows<{ n: number }>(`select count(*) as n from marts.member_facts`);
    expect(facts!.n).toBeGreaterThan(0);
  });
});
