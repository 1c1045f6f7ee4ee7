import { cpSync, mkdtempSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { audienceFilters, checkAudienceFilters, filterConditions } from '../../pipelines/audience/audience-filters.js';
import { exportAudience } from '../../pipelines/audience/export-audience.js';
import type { WarehouseConfig } from '../../pipelines/config.js';
import { resolveRunContext } from '../../pipelines/run/run-context.js';
import { openWarehouse, type Warehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { runCli } from '../helpers/run-cli.js';
import { runRefresh } from '../helpers/run-refresh.js';
import { repoDir, tempProject } from '../helpers/temp-project.js';
import { writeFiles } from '../helpers/write-files.js';

// A standing audience as its file: the header's keys, then a query of the members 5 days or more
// after their last purchase.
const audienceFile = (header: Record<string, string>) =>
  [
    '-- 久未购买 Members 5 days or more after their last purchase',
    '-- grain: member_id',
    ...Object.entries(header).map(([key, value]) => `-- ${key}: ${value}`),
    'with',
    '',
    'member_facts as (select * from marts.member_facts),',
    '',
    'final as (select member_id from member_facts where recency_days >= 5)',
    '',
    'select * from final',
  ].join('\n');
const header = {
  label: '久未购买 Lapsed',
  channel: 'sms',
  control: '0',
  cap_days: '30',
  cost_per_contact: '0.04',
  guards: 'opted_out, rule_cap, frequency_cap',
};

// As of 2026-11-20 with a shop cycle of 50 days (the in-cycle guard: under 0.8 x 50 = 40 days since
// the last purchase). Days since the last purchase: m1 10, m2 45, m3 60, m4 30 (opted out of SMS), m5 0.
const purchase = (id: string, member: string, day: string) =>
  `${id},${member},${day} 12:00:00,${day} 12:00:00,completed,80.00,浙江省,杭州市,1390000000${member.slice(1)}`;
const shop = {
  'orders.csv': [
    'order_id,member_id,created_at,paid_at,status,paid_amount,province,city,phone',
    purchase('o1', 'm1', '2026-11-10'),
    purchase('o2', 'm2', '2026-10-06'),
    purchase('o3', 'm3', '2026-09-21'),
    purchase('o4', 'm4', '2026-10-21'),
    purchase('o5', 'm5', '2026-11-20'),
  ].join('\n'),
  'opt_outs.csv': 'member_id,channel,opted_out_at\nm4,sms,2026-11-01 09:00:00\n',
};

// The project's models, but for the repository's own standing audiences: those of the test instead.
function projectWith(audiences: Record<string, string>): WarehouseConfig {
  const config = tempProject({ models: Object.fromEntries(Object.entries(audiences).map(([file, text]) => [`audiences/${file}`, text])) });
  const repoAudiences = join(repoDir, 'models', 'audiences');
  cpSync(join(repoDir, 'models'), config.modelsDir, { recursive: true, filter: (source) => !source.startsWith(repoAudiences) });
  return config;
}

describe('a standing audience', () => {
  let config: WarehouseConfig;
  let warehouse: Warehouse;
  const rows = async <T>(text: string) => (await sql.raw<T>(text).execute(warehouse.db)).rows;
  const membersOf = (path: string) =>
    readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[1]);

  beforeAll(async () => {
    config = projectWith({
      'lapsed.sql': audienceFile(header),
      'lapsed_coupon.sql': audienceFile({
        ...header,
        label: '久未购买送券 Lapsed, with a coupon',
        coupon_code: 'BACK5',
        coupon_value: '5',
        guards: 'opted_out, rule_cap, frequency_cap, in_cycle',
      }),
    });
    warehouse = await openWarehouse(config);
    await runRefresh(warehouse, { inputs: [writeFiles(shop)], audiences: true, parameters: { shop_cycle_days: '50' } });
  }, 120_000);

  afterAll(async () => {
    await warehouse?.close();
  });

  it('is built as a model in schema audiences, tested for one row per member and catalogued', async () => {
    const members = await rows<{ buyer_id: string }>(`
      select contacts.buyer_id from audiences.lapsed inner join staging.stg_member_contacts as contacts using (member_id) order by 1`);
    expect(members.map((member) => member.buyer_id)).toEqual(['m1', 'm2', 'm3', 'm4']);
    const tests = await rows<{ test: string; status: string }>(
      "select test, status from ops.test_results where model = 'audiences.lapsed' order by test",
    );
    expect(tests).toEqual([
      { test: 'grain not_null(member_id)', status: 'pass' },
      { test: 'grain unique(member_id)', status: 'pass' },
    ]);
    const catalogued = await rows<{ model: string; layer: string; file: string; description: string }>(
      "select model, layer, file, description from marts.data_model_catalog where model like 'audiences.%' order by model",
    );
    expect(catalogued).toEqual([
      {
        model: 'audiences.lapsed',
        layer: 'audiences',
        file: 'models/audiences/lapsed.sql',
        description: '久未购买 Members 5 days or more after their last purchase',
      },
      {
        model: 'audiences.lapsed_coupon',
        layer: 'audiences',
        file: 'models/audiences/lapsed_coupon.sql',
        description: '久未购买 Members 5 days or more after their last purchase',
      },
    ]);
    const rules = await rows<Record<string, unknown>>(`
      select rule, name, channel_label, control_fraction, cap_days, cost_per_contact::double as cost_per_contact, coupon_code,
             coupon_value::double as coupon_value, guards, filters, campaign_id
      from marts.audience_rules order by rule`);
    expect(rules).toEqual([
      {
        rule: 'lapsed',
        name: '久未购买 Lapsed',
        channel_label: '短信 SMS',
        control_fraction: 0,
        cap_days: 30,
        cost_per_contact: 0.04,
        coupon_code: null,
        coupon_value: 0,
        guards: 'opted_out, rule_cap, frequency_cap',
        filters: 'audiences.lapsed',
        campaign_id: 'lapsed-2026-11-20',
      },
      {
        rule: 'lapsed_coupon',
        name: '久未购买送券 Lapsed, with a coupon',
        channel_label: '短信 SMS',
        control_fraction: 0,
        cap_days: 30,
        cost_per_contact: 0.04,
        coupon_code: 'BACK5',
        coupon_value: 5,
        guards: 'opted_out, rule_cap, frequency_cap, in_cycle',
        filters: 'audiences.lapsed_coupon',
        campaign_id: 'lapsed_coupon-2026-11-20',
      },
    ]);
  });

  it('is exported with the guards its header lists, and only those', async () => {
    // lapsed: m4 opted out of SMS. lapsed_coupon also leaves out m1, inside its cycle (10 < 40 days);
    // m1, m2 and m3 had lapsed's SMS tonight, one contact each, under the cap of 2.
    expect(membersOf(join(config.dataDir, 'audiences', 'lapsed', '2026-11-20.csv'))).toEqual(['m1', 'm2', 'm3']);
    expect(membersOf(join(config.dataDir, 'audiences', 'lapsed_coupon', '2026-11-20.csv'))).toEqual(['m2', 'm3']);
    const logged = await rows<{ campaign_id: string; guards: string; matched: number; rows: number; filters: string }>(
      "select campaign_id, guards, matched, rows, filters from ops.exports where status = 'exported' order by campaign_id",
    );
    expect(logged.map((row) => ({ ...row, guards: JSON.parse(row.guards) }))).toEqual([
      {
        campaign_id: 'lapsed-2026-11-20',
        guards: { opted_out: 1, rule_cap: 0, frequency_cap: 0, in_cycle: 0, control_arm_split: 0 },
        matched: 4,
        rows: 3,
        filters: '{"audience":"audiences.lapsed"}',
      },
      {
        campaign_id: 'lapsed_coupon-2026-11-20',
        guards: { opted_out: 1, rule_cap: 0, frequency_cap: 0, in_cycle: 1, control_arm_split: 0 },
        matched: 4,
        rows: 2,
        filters: '{"audience":"audiences.lapsed_coupon"}',
      },
    ]);
  });
  it('refuses, as an audience of the moment, a code the shop does not have; a list filter of no codes takes any value', async () => {
    const out = join(config.dataDir, 'exports', 'typo.csv');
    const typo = exportAudience(
      warehouse.db,
      { campaignId: 'T1', sendAt: '2026-11-21 10:00', out, filters: { stage: ['new', 'nwe'], 'clv-decile': [1] } },
      await resolveRunContext(config),
    );
    await expect(typo).rejects.toThrow(
      /^--stage: unknown lifecycle stage 'nwe'; give one of prospect, new, returning, active, silent, sleeping, churned \(seeds\/lifecycle_stages.csv\)$/,
    );
    const known = await exportAudience(
      warehouse.db,
      { campaignId: 'T2', sendAt: '2026-11-21 10:00', out, filters: { stage: ['new', 'active'], 'clv-decile': [10] } },
      await resolveRunContext(config),
    );
    expect(known.matched).toBe(0);
  });
});

describe('a standing audience’s header', () => {
  const build = (file: string) => {
    const config = projectWith({ 'bad.sql': file });
    // The command runs in the project, with the repository's packages.
    symlinkSync(join(repoDir, 'node_modules'), join(config.projectDir, 'node_modules'));
    return runCli(['build'], mkdtempSync(join(tmpdir(), 'warehouse-data-')), {}, { cwd: config.projectDir });
  };

  it('is refused in one line naming the file when a value is out of range or missing', () => {
    const result = build(audienceFile({ ...header, control: '1.5', cap_days: '' }));
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'error: models/audiences/bad.sql: -- control: Too big: expected number to be <=0.9; -- cap_days: a number such as 0.1\n',
    );
  });

  it('is refused when it names a channel seeds/code_labels.csv does not have, or leaves out the opt-outs', () => {
    expect(build(audienceFile({ ...header, channel: 'fax' })).stderr).toBe(
      "error: models/audiences/bad.sql: -- channel: 'fax' is not a channel of seeds/code_labels.csv; give one of sms, coupon, edm, wangwang, push\n",
    );
    expect(build(audienceFile({ ...header, guards: 'frequency_cap' })).stderr).toBe(
      'error: models/audiences/bad.sql: -- guards: opted_out always applies: list it\n',
    );
  });
});

describe('the filters of an audience of the moment', () => {
  it('are read from the command line by the kind of their value, with their defaults', () => {
    const filters = audienceFilters({
      stage: 'new, active',
      tier: '1,2',
      'due-category': 'tops',
      'bought-between': '2026-01-01,2026-01-31',
    });
    expect(filters).toEqual({
      stage: ['new', 'active'],
      tier: [1, 2],
      'due-category': 'tops',
      'bought-between': ['2026-01-01', '2026-01-31'],
    });
    expect(checkAudienceFilters(filters)).toEqual({
      ...filters,
      'due-window': [0.8, 1.2],
      'min-value-ratio': 0.5,
      discount: false,
      'include-in-cycle': false,
    });
  });

  it('reach SQL as quoted literals', () => {
    const [stage] = filterConditions(checkAudienceFilters({ stage: ["new' or true --"] }));
    expect(stage).toBe("list_contains(['new'' or true --']::varchar[], lifecycle_stage)");
  });

  it('refuse an unknown filter, two that exclude each other, and one without the filter it goes with', () => {
    expect(() => checkAudienceFilters({ 'min-orderz': 2 } as never)).toThrow(/^unknown filter --min-orderz$/);
    expect(() => checkAudienceFilters({ 'due-category': 'tops', 'due-product': 'TOP1' })).toThrow(
      /^--due-category: give it or --due-product, not both$/,
    );
    expect(() => checkAudienceFilters({ 'exclude-promoted-within': 30 })).toThrow(
      /^--promoted-product: goes with --exclude-promoted-within, and the other way round$/,
    );
  });
});
