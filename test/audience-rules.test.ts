import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseConfig } from '../pipelines/config.js';
import { publishedMartsPath } from '../pipelines/publish/publish-marts.js';
import { openWarehouse, type Warehouse } from '../pipelines/warehouse/open-warehouse.js';
import { runRefresh } from './helpers/run-refresh.js';
import { repoDir, tempProject } from './helpers/temp-project.js';
import { writeFiles } from './helpers/write-files.js';

// Three standing audiences, run in name order: a_due reaches new buyers 20 to 40 days after their
// purchase (everyone in the treatment arm), b_all every new buyer (half held out); c_broken's
// export fails: where its files go is a file.
const audience = (description: string, control: number, where: string) =>
  [
    `-- ${description}`,
    '-- grain: member_id',
    `-- label: ${description}`,
    '-- channel: sms',
    `-- control: ${control}`,
    '-- cap_days: 30',
    '-- cost_per_contact: 0.04',
    '-- guards: opted_out, rule_cap, frequency_cap',
    'with',
    '',
    'member_facts as (select * from marts.member_facts),',
    '',
    `final as (select member_id from member_facts where ${where})`,
    '',
    'select * from final',
  ].join('\n');
const audiences = {
  'a_due.sql': audience('二购提醒 Due', 0, "lifecycle_stage = 'new' and recency_days between 20 and 40"),
  'b_all.sql': audience('新客关怀 All new', 0.5, "lifecycle_stage = 'new'"),
  'c_broken.sql': audience('Broken', 0, "lifecycle_stage = 'new'"),
};

// Night 1, as of 2026-11-20: one purchase each, 20 (n01), 30 (n02), 40 (n03), 19 (n04), 0 (n05)
// and 26 (n06) days before; no repeat purchase, so every buyer is new. n06 unsubscribed from SMS;
// n02 had an SMS on 11-19. Night 2 adds n07's purchase on 11-21: the as-of date moves a day.
const order = (id: string, member: string, day: string) =>
  `${id},${member},${day} 12:00:00,${day} 12:00:00,completed,80.00,浙江省,杭州市,1390000${member.slice(1)}`;
const header = 'order_id,member_id,created_at,paid_at,status,paid_amount,province,city,phone';
const night1 = {
  'orders.csv': [
    header,
    order('r1', 'n01', '2026-10-31'),
    order('r2', 'n02', '2026-10-21'),
    order('r3', 'n03', '2026-10-11'),
    order('r4', 'n04', '2026-11-01'),
    order('r5', 'n05', '2026-11-20'),
    order('r6', 'n06', '2026-10-25'),
  ].join('\n'),
  'opt_outs.csv': 'member_id,channel,opted_out_at\nn06,sms,2026-11-01 09:00:00\n',
  'campaigns.csv': 'campaign_id,name,channel,sent_at,cost_per_contact\nH1,hand,sms,2026-11-19 10:00:00,0.04\n',
  'campaign_contacts.csv': 'campaign_id,member_id,contacted_at,arm\nH1,n02,2026-11-19 10:00:00,treatment\n',
};
const night2 = { 'orders-2026-11-21.csv': [header, order('r7', 'n07', '2026-11-21')].join('\n') };

let config: WarehouseConfig;
let warehouse: Warehouse;
const inputs: string[] = [];
const lines: string[] = [];

const query = async <T>(text: string) => (await sql.raw<T>(text).execute(warehouse.db)).rows;
const membersOf = (path: string) =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(',')[1]!)
    : [];
// The members a rule selected for a night, both arms.
const selected = (rule: string, day: string) => {
  const path = join(config.dataDir, 'audiences', rule, `${day}.csv`);
  return [...membersOf(path), ...membersOf(path.replace('.csv', '.control.csv'))].sort();
};
const exportsOf = (campaign: string) =>
  query<{ status: string; guards: string | null; matched: number; rows: number; message: string | null; run_id: number }>(
    `select status, guards, matched, rows, message, run_id from ops.exports where campaign_id = '${campaign}' order by export_id`,
  );
const night = async (files?: Record<string, string>) => {
  if (files) inputs.push(writeFiles(files));
  lines.length = 0;
  await runRefresh(warehouse, { inputs, audiences: true, log: (line) => lines.push(line) });
};

beforeAll(async () => {
  config = tempProject({ models: Object.fromEntries(Object.entries(audiences).map(([file, text]) => [`audiences/${file}`, text])) });
  const repoAudiences = join(repoDir, 'models', 'audiences');
  cpSync(join(repoDir, 'models'), config.modelsDir, { recursive: true, filter: (source) => !source.startsWith(repoAudiences) });
  mkdirSync(join(config.dataDir, 'audiences'), { recursive: true });
  writeFileSync(join(config.dataDir, 'audiences', 'c_broken'), 'in the way');
  warehouse = await openWarehouse(config);
}, 60_000);

afterAll(async () => {
  await warehouse?.close();
  rmSync(config.projectDir, { recursive: true, force: true });
});

describe('marketing automation', () => {
  it('after publishing, writes each rule’s audience for the night with the guards, and records it as a campaign', async () => {
    await night(night1);
    expect(existsSync(publishedMartsPath(config))).toBe(true);
    // a_due: n01 n02 n03 n06 match; n06 opted out of SMS.
    expect(selected('a_due', '2026-11-20')).toEqual(['n01', 'n02', 'n03']);
    const channel = readFileSync(join(config.dataDir, 'audiences', 'a_due', '2026-11-20.csv'), 'utf8').split('\n');
    expect(channel[1]!.split(',').slice(0, 5)).toEqual(['a_due-2026-11-20', 'n01', '2026-11-21 10:00:00', 'treatment', '139000001']);
    // b_all: every buyer matches; n06 opted out, and n02 now has two SMS in 7 days (H1 and a_due's tonight).
    expect(selected('b_all', '2026-11-20')).toEqual(['n01', 'n03', 'n04', 'n05']);
    const [due] = await exportsOf('a_due-2026-11-20');
    expect(JSON.parse(due!.guards!)).toEqual({ opted_out: 1, rule_cap: 0, frequency_cap: 0, in_cycle: 0, control_arm_split: 0 });
    const [all] = await exportsOf('b_all-2026-11-20');
    expect(JSON.parse(all!.guards!)).toMatchObject({ opted_out: 1, rule_cap: 0, frequency_cap: 1, in_cycle: 0 });
    expect(all).toMatchObject({ status: 'exported', matched: 6, rows: 4 });
    expect(readFileSync(join(config.dataDir, 'audiences', 'b_all', 'campaigns-b_all-2026-11-20.csv'), 'utf8')).toBe(
      'campaign_id,name,channel,sent_at,cost_per_contact,coupon_value,coupon_code\nb_all-2026-11-20,新客关怀 All new,sms,2026-11-21 10:00:00,0.04,0,\n',
    );
    // Recorded at once as the night's campaigns: both arms and the campaigns rows are loaded.
    const loaded = await query<{ table_name: string; rows: number }>(`
      select table_name, sum(rows_loaded)::integer as rows from ops.loaded_files where path like '%/audiences/%' group by 1 order by 1`);
    expect(loaded).toEqual([
      { table_name: 'campaign_contacts', rows: 7 },
      { table_name: 'campaigns', rows: 2 },
    ]);
    // Archived as every loaded file is, so that a rebuild from the archive has them too: a_due's
    // campaigns row and treatment arm, b_all's campaigns row and control arm (its split put all four
    // members in the control arm: the log's control_arm_split).
    const entries = readFileSync(join(config.archiveDir, 'manifest.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { original: string; tables: string[] })
      .filter((entry) => entry.original.includes('/audiences/'));
    const archived = entries.map((entry) => entry.tables.join());
    expect(archived.sort()).toEqual(['campaign_contacts', 'campaign_contacts', 'campaigns', 'campaigns']);
    // Whatever the split, every file the rules wrote with rows in it is archived, once (an arm
    // with no members has only its header, and nothing to load).
    const written = ['a_due', 'b_all']
      .flatMap((rule) => readdirSync(join(config.dataDir, 'audiences', rule)).map((name) => join(config.dataDir, 'audiences', rule, name)))
      .filter((path) => readFileSync(path, 'utf8').trim().includes('\n'));
    expect(entries.map((entry) => entry.original).sort()).toEqual(written.sort());
  }, 120_000);

  it('reports and logs a rule that fails, without unpublishing or stopping the other rules', async () => {
    const [broken] = await exportsOf('c_broken-2026-11-20');
    expect(broken).toMatchObject({ status: 'failed', rows: 0 });
    expect(broken!.message).toMatch(/^EEXIST: file already exists, mkdir '.*\/audiences\/c_broken'$/);
    expect(lines.some((line) => line.startsWith('audience rule c_broken failed (the published marts stand): EEXIST'))).toBe(true);
    const [run] = await query<{ run_id: number; status: string }>(`select run_id, status from ops.runs order by run_id desc limit 1`);
    expect(run).toEqual({ run_id: broken!.run_id, status: 'succeeded' });
  });

  it('picks up a member who newly matches the next night, and never selects one again within the rule’s cap', async () => {
    await night(night2);
    // As of 11-21: n01 21, n02 31, n04 20, n06 27 days match a_due; n01 and n02 were selected last night.
    expect(selected('a_due', '2026-11-21')).toEqual(['n04']);
    const [due] = await exportsOf('a_due-2026-11-21');
    expect(JSON.parse(due!.guards!)).toEqual({ opted_out: 1, rule_cap: 2, frequency_cap: 0, in_cycle: 0, control_arm_split: 0 });
    // b_all: n07 is new; n01 n03 n04 n05 had it last night, n02 is still at two SMS in 7 days.
    expect(selected('b_all', '2026-11-21')).toEqual(['n07']);
    const [all] = await exportsOf('b_all-2026-11-21');
    expect(JSON.parse(all!.guards!)).toMatchObject({ opted_out: 1, rule_cap: 4, frequency_cap: 1 });
    // Last night's exports are campaigns now, measured like any other.
    const [campaign] = await query<{ treatment_size: number; control_size: number; channel: string }>(
      "select treatment_size, control_size, channel from marts.campaign_roi where campaign_id = 'a_due-2026-11-20'",
    );
    expect(campaign).toEqual({ treatment_size: 3, control_size: 0, channel: 'sms' });
  }, 120_000);

  it('does not export a rule twice for the same as-of date', async () => {
    const before = await query<{ n: number }>("select count(*)::integer as n from ops.exports where status = 'exported'");
    await night();
    expect(lines).toContainEqual(
      expect.stringMatching(/^audience rule a_due: a_due-2026-11-21 was exported before \(export \d+\), not again$/),
    );
    const after = await query<{ n: number }>("select count(*)::integer as n from ops.exports where status = 'exported'");
    expect(after).toEqual(before);
  }, 120_000);

  it('exports nothing on a refresh as of a chosen date', async () => {
    const before = await query<{ n: number }>('select count(*)::integer as n from ops.exports');
    lines.length = 0;
    await runRefresh(warehouse, { inputs, audiences: true, parameters: { as_of_date: '2026-11-15' }, log: (line) => lines.push(line) });
    expect(lines).toContain('audience rule a_due: not run, the build is as of a chosen date (2026-11-15)');
    expect(await query<{ n: number }>('select count(*)::integer as n from ops.exports')).toEqual(before);
    expect(existsSync(join(config.dataDir, 'audiences', 'a_due', '2026-11-15.csv'))).toBe(false);
    await night();
  }, 120_000);

  it('shows the rules and their exports with the guard counts in the published marts', async () => {
    await sql.raw(`attach '${publishedMartsPath(config)}' as published (read_only)`).execute(warehouse.db);
    try {
      const rulesShown = await query<{ rule: string; campaign_id: string; send_at: string }>(
        "select rule, campaign_id, strftime(send_at, '%Y-%m-%d %H:%M') as send_at from published.marts.audience_rules order by rule",
      );
      expect(rulesShown).toEqual([
        { rule: 'a_due', campaign_id: 'a_due-2026-11-21', send_at: '2026-11-22 10:00' },
        { rule: 'b_all', campaign_id: 'b_all-2026-11-21', send_at: '2026-11-22 10:00' },
        { rule: 'c_broken', campaign_id: 'c_broken-2026-11-21', send_at: '2026-11-22 10:00' },
      ]);
      // Read as the marts are published, before that night's exports: those of the nights before.
      const shown = await query<{ campaign_id: string; status: string; treatment_rows: number; rule_cap: number; frequency_cap: number }>(
        `select campaign_id, status, treatment_rows, rule_cap, frequency_cap from published.marts.data_audience_exports
         where status = 'exported' order by export_id`,
      );
      expect(shown).toEqual([
        { campaign_id: 'a_due-2026-11-20', status: 'exported', treatment_rows: 3, rule_cap: 0, frequency_cap: 0 },
        { campaign_id: 'b_all-2026-11-20', status: 'exported', treatment_rows: expect.any(Number), rule_cap: 0, frequency_cap: 1 },
        { campaign_id: 'a_due-2026-11-21', status: 'exported', treatment_rows: 1, rule_cap: 2, frequency_cap: 0 },
        { campaign_id: 'b_all-2026-11-21', status: 'exported', treatment_rows: expect.any(Number), rule_cap: 4, frequency_cap: 1 },
      ]);
    } finally {
      await sql.raw('detach published').execute(warehouse.db);
    }
  });
});
