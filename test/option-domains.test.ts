import './helpers/temp-folder-per-file.js';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readParameters } from '../pipelines/run/read-parameters.js';
import { shopToday } from '../pipelines/shop-today.js';
import { runCli } from './helpers/run-cli.js';
import { repoDir, tempProject } from './helpers/temp-project.js';
import { writeFiles } from './helpers/write-files.js';

// Four members as of 2026-11-02: buyer_a (浙江省), buyer_b (北京市) and buyer_d (香港特别行政区, a
// province seeds/region_tiers.csv does not have) new, buyer_c a prospect.
const orders = [
  'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city,phone',
  'o1,buyer_a,2026-11-01 10:00:00,2026-11-01 10:01:00,completed,100.00,0,1,浙江省,杭州市,13800000001',
  'o2,buyer_b,2026-11-02 10:00:00,2026-11-02 10:01:00,completed,50.00,0,1,北京市,北京市,13800000002',
  'o3,buyer_c,2026-11-01 12:00:00,,created,70.00,0,1,上海市,上海市,13800000003',
  'o4,buyer_d,2026-11-02 11:00:00,2026-11-02 11:01:00,completed,80.00,0,1,香港特别行政区,香港,13800000004',
].join('\n');

const dataDir = mkdtempSync(join(tmpdir(), 'warehouse-cli-'));
const out = join(dataDir, 'exports', 'T1.csv');
const audience = (...flags: string[]) =>
  runCli(['audience', '--campaign', 'T1', '--send-at', '2026-11-03 10:00', '--out', out, ...flags], dataDir);

beforeAll(() => {
  expect(runCli(['load', join(writeFiles({ 'orders.csv': orders }), 'orders.csv')], dataDir).status).toBe(0);
  expect(runCli(['build'], dataDir).status).toBe(0);
}, 120_000);

describe('a parameter given with --set', () => {
  it('is refused after today when it is the as-of date, in one line that says what to give', () => {
    const today = shopToday('Asia/Shanghai');
    const tomorrow = shopToday('Asia/Shanghai', new Date(), -1);
    const result = runCli(['build', '--set', `as_of_date=${tomorrow}`], dataDir);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      `error: --set as_of_date = '${tomorrow}' is after today (${today} in Asia/Shanghai): give a day up to today, or leave as_of_date empty for the day of the latest purchase\n`,
    );
  });

  it('is refused when it is not of its type: a date that does not exist', () => {
    const result = runCli(['build', '--set', 'as_of_date=2026-02-30'], dataDir);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("error: --set as_of_date = '2026-02-30' is not of type date: give a date that exists, as YYYY-MM-DD\n");
  });

  it('is refused when it is not of its type: a date with anything after it, which DuckDB would read as the day', () => {
    const value = "2026-01-01'; drop table marts.member_facts; --";
    const result = runCli(['build', '--set', `as_of_date=${value}`], dataDir);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "error: --set as_of_date = '2026-01-01'; drop table marts.member_facts; --' is not of type date: give a date that exists, as YYYY-MM-DD\n",
    );
  });

  it('is refused when it is not one of its allowed values, which the message lists', () => {
    const result = runCli(['build', '--set', 'purchase_grain=week'], dataDir);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("error: --set purchase_grain = 'week' is not allowed: give day or order (seeds/parameter_values.csv)\n");
  });

  it('is refused when the shop time zone is not a time zone', () => {
    const result = runCli(
      ['audience', '--campaign', 'T1', '--send-at', '2026-11-03', '--out', out, '--set', 'shop_time_zone=Mars/Olympus'],
      dataDir,
    );
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(
      /^error: --set shop_time_zone = 'Mars\/Olympus' is not allowed: give one of the \d{3} IANA time zones of DuckDB's pg_timezone_names\(\), such as Asia\/Shanghai\n$/,
    );
  });
});

describe('a value of seeds/parameters.csv', () => {
  const withParameters = (edit: (text: string) => string, extra: Record<string, string> = {}) => {
    const text = readFileSync(join(repoDir, 'seeds', 'parameters.csv'), 'utf8');
    return tempProject({ seeds: { 'parameters.csv': edit(text), ...extra } }).seedsDir;
  };

  it('is checked as a --set value is, and the message names the seed', async () => {
    const seedsDir = withParameters((text) => text.replace(/^purchase_grain,day,/m, 'purchase_grain,Day,'));
    await expect(readParameters(seedsDir)).rejects.toThrow(
      "seeds/parameters.csv: purchase_grain = 'Day' is not allowed: give day or order (seeds/parameter_values.csv)",
    );
    await expect(readParameters(seedsDir, { purchase_grain: 'order' })).resolves.toBeInstanceOf(Map);
  });

  it('refuses an allowed value given for a parameter that does not exist', async () => {
    const values = `${readFileSync(join(repoDir, 'seeds', 'parameter_values.csv'), 'utf8')}purchase_grian,week,A typo\n`;
    const seedsDir = withParameters((text) => text, { 'parameter_values.csv': values });
    await expect(readParameters(seedsDir)).rejects.toThrow(
      "seeds/parameter_values.csv: 'purchase_grian' is not a parameter of seeds/parameters.csv; correct or remove its rows",
    );
  });
});

describe('an audience filter', () => {
  it('refuses an unknown stage, listing the stages of seeds/lifecycle_stages.csv', () => {
    const result = audience('--stage', 'nosuchstage');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "error: --stage: unknown lifecycle stage 'nosuchstage'; give one of prospect, new, returning, active, silent, sleeping, churned (seeds/lifecycle_stages.csv)\n",
    );
  });

  it.each([
    [
      ['--segment', 'champions,vips'],
      "error: --segment: unknown RFM segment 'vips'; give one of champions, important_to_develop, important_to_retain, important_to_win_back, loyal_low_spend, new_or_promising, needs_attention, lost_low_value (seeds/segment_labels.csv)\n",
    ],
    [
      ['--level', 'gold'],
      "error: --level: unknown member level 'gold'; give one of regular, senior, vip, supreme_vip (seeds/member_levels.csv)\n",
    ],
    [['--tier', '1,7'], "error: --tier: unknown city tier '7'; give one of 1, 2, 3, 4, 5, 6 (seeds/region_tiers.csv)\n"],
  ])('refuses %j, listing the values of its seed', (flags, message) => {
    const result = audience(...flags);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(message);
  });

  it('refuses an unknown province, listing those of seeds/region_tiers.csv in its order, then those of the members', () => {
    const result = audience('--province', '浙江,Atlantis,香港特别行政区');
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      "error: --province: unknown province 'Atlantis'; give one of 北京市, 天津市, 河北省, 山西省, 内蒙古自治区, 辽宁省, 吉林省, 黑龙江省, 上海市, 江苏省, 浙江省, 安徽省, 福建省, 江西省, 山东省, 河南省, 湖北省, 湖南省, 广东省, 广西壮族自治区, 海南省, 重庆市, 四川省, 贵州省, 云南省, 西藏自治区, 陕西省, 甘肃省, 青海省, 宁夏回族自治区, 新疆维吾尔自治区, 香港特别行政区 (seeds/region_tiers.csv and the members' data)\n",
    );
  });

  it('still exports the members of known values', () => {
    const result = audience('--stage', 'new', '--province', '浙江');
    expect(result.status).toBe(0);
    expect(readFileSync(out, 'utf8').trim().split('\n').slice(1)).toEqual([expect.stringMatching(/^T1,buyer_a,/)]);
  });
});
