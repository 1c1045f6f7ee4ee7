import { cpSync, mkdirSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shopInTwoDeliveries } from '../pipelines/generate/shop-in-two-deliveries.js';
import { siteDir } from '../pipelines/publish/build-site.js';
import { publishedMartsPath } from '../pipelines/publish/publish-marts.js';
import { serveSite } from '../pipelines/publish/serve-site.js';
import { openWarehouse, type Warehouse } from '../pipelines/warehouse/open-warehouse.js';
import { collectSecrets, filesHoldingSecrets, relationsHoldingSecrets, secretsInWrongColumns } from './helpers/find-secrets.js';
import { shopTimeZone } from './helpers/repo-seeds.js';
import { runRefresh } from './helpers/run-refresh.js';
import { repoDir } from './helpers/temp-project.js';
import { tempConfig } from './helpers/temp-warehouse.js';

// The real thing: a generated shop, refreshed into a warehouse, published, built by Evidence,
// served, and read by Debian's chromium.
// Outside the checkout, whose data/ belongs to the analyst's own runs, and kept after the tests.
const screenshotDir = join(tmpdir(), 'member-warehouse-screenshots');
// Each page and the charts it must draw: the chart components of its markdown, so that a chart
// an analyst adds is expected without editing this test (one drawn only under an {#if} would
// have to be drawn here too).
const chartTag = /<(?:[A-Z][A-Za-z]*Chart|Heatmap|CalendarHeatmap|ScatterPlot|Histogram|SankeyDiagram|[A-Za-z]*Map)\b/g;
const chartsOf = (page: string) => (readFileSync(join(repoDir, 'reports/pages', page), 'utf8').match(chartTag) ?? []).length;
const pages: Array<[string, number]> = [
  ['', chartsOf('index.md')],
  ['members', chartsOf('members.md')],
  ['lifecycle', chartsOf('lifecycle.md')],
  ['behaviour', chartsOf('behaviour.md')],
  ['rfm', chartsOf('rfm.md')],
  ['repurchase', chartsOf('repurchase.md')],
  ['cohorts', chartsOf('cohorts.md')],
  ['service', chartsOf('service.md')],
  ['campaigns', chartsOf('campaigns/index.md')],
  ['data', chartsOf('data.md')],
  // One page per campaign of the generated shop (C01..C07).
  ...[1, 2, 3, 4, 5, 6, 7].map((n): [string, number] => [`campaigns/C0${n}`, chartsOf('campaigns/[campaign_id].md')]),
];
// The repo's seeds, but with targets (written once the shop's months are known) and alert rules
// so tight that revenue, never exactly at its median, is flagged.
const seedsDir = join(tempConfig().dataDir, 'seeds');
cpSync(join(repoDir, 'seeds'), seedsDir, { recursive: true });
writeFileSync(
  join(seedsDir, 'alert_rules.csv'),
  readFileSync(join(seedsDir, 'alert_rules.csv'), 'utf8').replace(/^revenue,([^,]*),([^,]*),([^,]*),12,3,/m, 'revenue,$1,$2,$3,12,0.001,'),
);
const config = tempConfig({ seedsDir });
const revenueTarget = 500_000;
let targetMonth: { month: string; revenue: number };
let server: Server;
let browser: Browser;
let baseUrl: string;
let headline: { month_text: string; buyers: number; revenue: number; repurchase_rate: number; returning_buyer_share: number };
let changeSentences: string[];
let alerts: Array<{ value_text: string; usual_text: string }>;
let campaign: { name: string; naive_roi: number; response_rate_t: number };
let breakdown: string[];
let keySegments: { member_share: number; revenue_share: number };
let couponBands: { coupon_only: string; high: string };
let firstAsOf: string;
let asOf: string;
const siteLogs = { first: [] as string[], second: [] as string[] };

async function asOfDate(warehouse: Warehouse): Promise<string> {
  const { rows } = await sql<{ day: string }>`select as_of_date::varchar as day from intermediate.int_as_of_date_resolved`.execute(
    warehouse.db,
  );
  return rows[0]!.day;
}

beforeAll(async () => {
  const shop = await shopInTwoDeliveries(join(config.dataDir, 'shop'), 5000, 4, { shopTimeZone, days: 730, optionalFiles: true });
  const warehouse = await openWarehouse(config);
  try {
    // The first site is bundled; the next night's, with the last day's orders, only prerendered on
    // the new data: the pages below are that second site's.
    await runRefresh(warehouse, { inputs: [shop.before], site: true, fullRefresh: true, log: (line) => siteLogs.first.push(line) });
    firstAsOf = await asOfDate(warehouse);
    // A revenue target for the as-of month, the month before and the month after (the next night
    // may start a month), read by the second refresh.
    const firstMonth = new Date(`${firstAsOf.slice(0, 7)}-01T00:00:00Z`);
    const months = [-1, 0, 1].map((offset) =>
      new Date(Date.UTC(firstMonth.getUTCFullYear(), firstMonth.getUTCMonth() + offset, 1)).toISOString().slice(0, 10),
    );
    writeFileSync(
      join(seedsDir, 'targets.csv'),
      `month,metric,target\n${months.map((month) => `${month},revenue,${revenueTarget}`).join('\n')}\n`,
    );
    // With rows that quarantine a phone number and a buyer id, which the site must not show.
    await runRefresh(warehouse, { inputs: [shop.last, secretsInWrongColumns()], site: true, log: (line) => siteLogs.second.push(line) });
    asOf = await asOfDate(warehouse);
    const { rows } = await sql<typeof headline>`
      select strftime(month, '%Y-%m') as month_text, buyers, revenue, repurchase_rate, returning_buyer_share from marts.kpi_monthly
      where month_complete order by month desc limit 1`.execute(warehouse.db);
    headline = rows[0]!;
    // The month before the as-of month, complete: its revenue against the target, from kpi_monthly.
    const before = await sql<{ month: string; revenue: number }>`
      select month::varchar as month, revenue::double as revenue from marts.kpi_monthly
      where month = date_trunc('month', ${asOf}::date) - interval 1 month`.execute(warehouse.db);
    targetMonth = before.rows[0]!;
    const change = await sql<{ sentence: string }>`select sentence from marts.revenue_change where latest order by comparison`.execute(
      warehouse.db,
    );
    changeSentences = change.rows.map((row) => row.sentence);
    alerts = (await sql<(typeof alerts)[number]>`select value_text, usual_text from marts.kpi_alerts where alert`.execute(warehouse.db))
      .rows;
    const campaigns = await sql<
      typeof campaign
    >`select name, naive_roi, response_rate_t from marts.campaign_roi where campaign_id = 'C01'`.execute(warehouse.db);
    campaign = campaigns.rows[0]!;
    const segments = await sql<{
      label: string;
    }>`select segment_label as label from marts.campaign_roi_by_segment where campaign_id = 'C01'`.execute(warehouse.db);
    breakdown = segments.rows.map((row) => row.label);
    const key = await sql<typeof keySegments>`select sum(share) as member_share, sum(revenue_share) as revenue_share
      from marts.rfm_segments where segment in ('champions', 'important_to_retain')`.execute(warehouse.db);
    keySegments = key.rows[0]!;
    const bands = await sql<typeof couponBands>`select
        max(segment_label) filter (where segment = 'coupon_only') as coupon_only, max(segment_label) filter (where segment = 'high') as high
      from marts.promotion_sensitivity`.execute(warehouse.db);
    couponBands = bands.rows[0]!;
    expect(breakdown.length).toBeGreaterThanOrEqual(2);
    // The Members page's forecast sections have numbers to show: every forecast model fitted.
    const fits = await sql<{ model: string; status: string }>`select model, status from marts.data_forecast_fits order by model`.execute(
      warehouse.db,
    );
    expect(fits.rows).toEqual([
      { model: 'bgnbd', status: 'fitted' },
      { model: 'gamma_gamma', status: 'fitted' },
      { model: 'mbgnbd', status: 'fitted' },
    ]);
  } finally {
    await warehouse.close();
  }
  server = await serveSite(siteDir(config), 0);
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  mkdirSync(screenshotDir, { recursive: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  server?.close();
});

// The pages are read in several tabs at once: most of a page's time is waiting for its data and
// charts, not the processor.
describe.concurrent('the report site', () => {
  it.each(pages)('renders /%s at 1400 px without errors, cut-off tables or undrawn charts (%i)', async (path, charts) => {
    const page = await browser.newPage({ viewport: { width: 1400, height: 2000 } });
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(`${baseUrl}/${path}`, { waitUntil: 'networkidle', timeout: 60_000 });
    await page.waitForFunction(() => !document.body.innerText.includes('Loading'), undefined, { timeout: 60_000 });
    await page.waitForTimeout(1000);
    await page.screenshot({ path: join(screenshotDir, `${path.replaceAll('/', '-') || 'index'}.png`), fullPage: true });
    expect(errors).toEqual([]);
    // Every page reads in about three screens at 1400 px.
    expect(await page.evaluate(() => document.documentElement.scrollHeight)).toBeLessThanOrEqual(3000);
    // Evidence's error box (a failed query or a component error) has this background.
    expect(await page.locator('[class*="bg-negative/10"]').count()).toBe(0);
    // Every ECharts instance on the page has drawn its canvas.
    expect(await page.locator('[_echarts_instance_]').count()).toBe(charts);
    expect(await page.locator('[_echarts_instance_]:has(canvas)').count()).toBe(charts);
    // No table runs past its box: every column is on screen without scrolling sideways.
    const cutOff = await page.evaluate(() =>
      [...document.querySelectorAll('table')].flatMap((table) => {
        const box = table.parentElement!;
        return table.scrollWidth > box.clientWidth + 1 || table.getBoundingClientRect().right > window.innerWidth
          ? [(table.querySelector('th')?.textContent ?? '').trim()]
          : [];
      }),
    );
    expect(cutOff).toEqual([]);
    // One number format per kind (docs/metrics.md): no table cell abbreviates a figure (16.4k
    // beside 1,616), and money is ¥ with thousands separators, whole or to the fen; a change may
    // carry its arrow.
    const misformatted = await page.evaluate(() =>
      [...document.querySelectorAll('td')]
        .map((cell) => (cell.textContent ?? '').trim().replace(/\s*[▲▼]$/, ''))
        .filter((text) => /^-?¥?-?[\d.,]+[kMB]$/.test(text) || (/^-?¥/.test(text) && !/^-?¥-?\d{1,3}(,\d{3})*(\.\d\d)?$/.test(text))),
    );
    expect(misformatted).toEqual([]);
    // Every code a page shows has its label (seeds/code_labels.csv and the label seeds): no table
    // cell reads like a code (top_decile, coupon_only) or a CLI flag. The Data page names models
    // and columns on purpose.
    if (path !== 'data') {
      const codes = await page.evaluate(() =>
        [...document.querySelectorAll('td')]
          .map((cell) => (cell.textContent ?? '').trim())
          .filter((text) => /(^|\s)[a-z]+(_[a-z0-9]+)+(\s|$)|(^|\s)--[a-z]/.test(text)),
      );
      expect(codes).toEqual([]);
    }
    await page.close();
  });

  it("names the shop in every page's header, not Evidence", async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/rfm`, { waitUntil: 'networkidle', timeout: 60_000 });
    const header = await page.locator('header').innerText();
    expect(header).toContain('示例女装店 Sample apparel shop');
    expect(await page.locator('header img[src*="wordmark"]').count()).toBe(0);
    await page.close();
  });

  it('shows the Overview headline numbers as the warehouse computes them', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`, { waitUntil: 'networkidle', timeout: 60_000 });
    await page.waitForFunction(() => !document.body.innerText.includes('Loading'), undefined, { timeout: 60_000 });
    const text = await page.locator('body').innerText();
    expect(text).toContain(headline.buyers!.toLocaleString('en-US'));
    expect(text).toContain(`¥${Math.round(headline.revenue!).toLocaleString('en-US')}`);
    expect(text).toContain(`${(headline.repurchase_rate! * 100).toFixed(1)}%`);
    expect(text).toContain(`${(headline.returning_buyer_share! * 100).toFixed(1)}%`);
    expect(text).toMatch(new RegExp(`数据截至 Data as of\\s*${asOf}`));
    await page.close();
  });

  it('opens the Overview with what changed and why, the alerts and the progress toward targets', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/`, { waitUntil: 'networkidle', timeout: 60_000 });
    await page.waitForFunction(() => !document.body.innerText.includes('Loading'), undefined, { timeout: 60_000 });
    const text = await page.locator('body').innerText();
    // The shop's two years give both comparisons, each with its sentence, before the all-time figures.
    expect(changeSentences).toHaveLength(2);
    for (const sentence of changeSentences) expect(text).toContain(sentence);
    expect(text.indexOf(changeSentences[0]!)).toBeLessThan(text.indexOf('全期 All time'));
    expect(text).toMatch(/主要因为.*· Revenue (rose|fell) ¥[\d,]+ on the month before, mostly from/);
    // The tight revenue rule flags it, with its value and range, at the top.
    expect(alerts.length).toBeGreaterThan(0);
    for (const alert of alerts) expect(text).toContain(`${alert.value_text}，`);
    expect(text.indexOf('异常提醒 Alerts')).toBeLessThan(text.indexOf('What changed, and why'));
    // The month before's revenue against its target: the figure, the target and the progress.
    const targetRows = await page
      .locator('table')
      .filter({ hasText: '目标 Target' })
      .first()
      .evaluate((table) =>
        [...table.querySelectorAll('tr')].map((row) => [...row.querySelectorAll('td')].map((cell) => (cell.textContent ?? '').trim())),
      );
    const row = targetRows.find((cells) => cells[0] === targetMonth.month.slice(0, 7));
    expect(row?.slice(1, 5)).toEqual([
      '销售额 revenue',
      Math.round(targetMonth.revenue).toLocaleString('en-US'),
      revenueTarget.toLocaleString('en-US'),
      `${Math.round((targetMonth.revenue / revenueTarget) * 100)}%`,
    ]);
    expect(text).not.toContain('No targets are set');
    await page.close();
  });

  it('compares the month picked on the Overview and on Cohorts, the last complete one first', async () => {
    const warehouse = await openWarehouse(config, { readOnly: true });
    let picked: { month: string; sentence: string; buyers: number; new_buyers: number };
    try {
      // Six months before the last complete one.
      const { rows } = await sql<typeof picked>`
        select strftime(change.month, '%Y-%m') as month, change.sentence, monthly.buyers, monthly.new_buyers
        from marts.revenue_change as change inner join marts.kpi_monthly as monthly on monthly.month = change.month
        where change.comparison = 'month_before'
        order by change.month desc limit 1 offset 6`.execute(warehouse.db);
      picked = rows[0]!;
    } finally {
      await warehouse.close();
    }
    const page = await browser.newPage();
    for (const path of ['', 'cohorts']) {
      await page.goto(`${baseUrl}/${path}`, { waitUntil: 'networkidle', timeout: 60_000 });
      await page.waitForFunction(() => !document.body.innerText.includes('Loading'), undefined, { timeout: 60_000 });
      const picker = page.getByRole('combobox', { name: '对比月份 Month compared' });
      expect(await picker.innerText()).toContain(headline.month_text);
      await picker.click();
      await page.keyboard.type(picked.month);
      await page.getByRole('option', { name: picked.month, exact: true }).click();
      await page.keyboard.press('Escape');
      await page.waitForFunction(
        (month) => document.body.innerText.includes(`Of ${month}`) || document.body.innerText.includes(`picked: ${month}`),
        picked.month,
        {
          timeout: 30_000,
        },
      );
      const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
      if (path === '') {
        expect(text).toContain(`所选月份 Month picked: ${picked.month}`);
        expect(text).toContain(picked.sentence);
        expect(text).not.toContain(changeSentences[0]!);
      } else {
        // The cohorts' buyers of that month add up to kpi_monthly's, the month's own cohort to its new buyers.
        expect(text).toContain(
          `Of ${picked.month} 's ${picked.buyers.toLocaleString('en-US')} buyers, ${picked.new_buyers.toLocaleString('en-US')} (`,
        );
      }
    }
    await page.close();
  });

  it('shows "-" for a rate over fewer than 30 members, and says why a series or a score is empty', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/repurchase`, { waitUntil: 'networkidle', timeout: 60_000 });
    await page.waitForFunction(() => !document.body.innerText.includes('Loading'), undefined, { timeout: 60_000 });
    // The ladder table: variant, step, reached n, went on, conversion, …
    const ladder = await page.evaluate(() =>
      [...document.querySelectorAll('table')[0]!.querySelectorAll('tr')]
        .map((row) => [...row.querySelectorAll('td')].map((cell) => (cell.textContent ?? '').trim()))
        .filter((cells) => cells.length >= 5 && cells[2] !== ''),
    );
    const small = ladder.filter((cells) => Number(cells[2]!.replaceAll(',', '')) < 30);
    expect(small.length).toBeGreaterThan(0);
    for (const cells of small) expect(cells[4]).toBe('-');
    for (const cells of ladder.filter((row) => Number(row[2]!.replaceAll(',', '')) >= 30)) expect(cells[4]).toMatch(/^\d+\.\d%$/);
    await page.goto(`${baseUrl}/members`, { waitUntil: 'networkidle', timeout: 60_000 });
    await page.waitForFunction(() => !document.body.innerText.includes('Loading'), undefined, { timeout: 60_000 });
    // The default level rule is cumulative, under which nobody is downgraded.
    expect(await page.locator('body').innerText()).toContain('No downgrade bars: levels count every purchase since the first');
    await page.goto(`${baseUrl}/rfm`, { waitUntil: 'networkidle', timeout: 60_000 });
    await page.waitForFunction(() => !document.body.innerText.includes('Loading'), undefined, { timeout: 60_000 });
    // Most members buy once, so their purchase counts tie and F2 (at least) holds nobody.
    expect((await page.locator('body').innerText()).replace(/\s+/g, ' ')).toMatch(
      /F2[, F\d]* empty: [\d,]+ members \([\d.]+%\) have the same purchase count, 1/,
    );
    await page.close();
  });

  it("states the key RFM segments' share of members and of revenue as the warehouse computes them", async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/rfm`, { waitUntil: 'networkidle', timeout: 60_000 });
    await page.waitForFunction(() => !document.body.innerText.includes('Loading'), undefined, { timeout: 60_000 });
    const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
    expect(text).toContain(
      `Champions and important-to-retain members are ${pct(keySegments.member_share)} of them and bring ${pct(keySegments.revenue_share)} of their revenue`,
    );
    // The share is of the scored buyers in Chinese too, not of every member.
    expect(text).toContain(`重要价值和重要保持客户占这些成交会员的 ${pct(keySegments.member_share)}`);
    await page.close();
  });

  it('says in its row that the coupon-only buyers are counted under the high coupon share too', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/behaviour`, { waitUntil: 'networkidle', timeout: 60_000 });
    await page.waitForFunction(() => !document.body.innerText.includes('Loading'), undefined, { timeout: 60_000 });
    const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
    // Its members are in both rows, so the table's shares add up to more than 100%.
    expect(couponBands.coupon_only).toContain(`also counted under ${couponBands.high.split(' ').at(-1)}`);
    expect(text).toContain(couponBands.coupon_only);
    await page.close();
  });

  it('leaves the partial as-of month out of the trend charts, the cohort cells and the shipping figures, and says so', async () => {
    // The as-of month is partial unless the as-of date is its last day.
    const monthEnd = new Date(Date.UTC(Number(asOf.slice(0, 4)), Number(asOf.slice(5, 7)), 0)).toISOString().slice(0, 10);
    const sentence = `${asOf.slice(0, 7)} runs only to ${asOf}`;
    for (const path of ['', 'cohorts', 'service']) {
      const page = await browser.newPage();
      await page.goto(`${baseUrl}/${path}`, { waitUntil: 'networkidle', timeout: 60_000 });
      await page.waitForFunction(() => !document.body.innerText.includes('Loading'), undefined, { timeout: 60_000 });
      const text = (await page.locator('body').innerText()).replace(/\s+/g, ' ');
      if (asOf === monthEnd) expect(text).not.toContain('runs only to');
      else expect(text).toContain(sentence);
      await page.close();
    }
  });

  it("holds none of the input's buyer ids or phone numbers, in the published marts file or the built site", async () => {
    const warehouse = await openWarehouse(config, { readOnly: true });
    try {
      const secrets = await collectSecrets(warehouse.db);
      expect(secrets.length).toBeGreaterThan(5000);
      await sql.raw(`attach '${publishedMartsPath(config)}' as published (read_only)`).execute(warehouse.db);
      const tables = (
        await sql<{
          name: string;
        }>`select table_name as name from information_schema.tables where table_catalog = 'published' and table_schema = 'marts' order by 1`.execute(
          warehouse.db,
        )
      ).rows;
      expect(tables.length).toBeGreaterThanOrEqual(15);
      expect(
        await relationsHoldingSecrets(
          warehouse.db,
          tables.map(({ name }) => `published.marts.${name}`),
        ),
      ).toEqual([]);
      expect(await filesHoldingSecrets(warehouse.db, realpathSync(siteDir(config)), secrets)).toEqual([]);
      // The scan does find a secret where one is: the protected contacts table.
      expect(await relationsHoldingSecrets(warehouse.db, ['staging.stg_member_contacts'])).toHaveLength(1);
    } finally {
      await warehouse.close();
    }
  });

  it('shows each campaign with its ROI as the warehouse computes it', async () => {
    const page = await browser.newPage();
    await page.goto(`${baseUrl}/campaigns/C01`, { waitUntil: 'networkidle', timeout: 60_000 });
    await page.waitForFunction(() => !document.body.innerText.includes('Loading'), undefined, { timeout: 60_000 });
    const text = await page.locator('body').innerText();
    expect(text).toContain(campaign.name);
    expect(text).toContain(campaign.naive_roi.toFixed(1));
    expect(text).toContain(`${(campaign.response_rate_t * 100).toFixed(1)}%`);
    // The breakdown by stage and segment at sending time lists what the mart holds.
    for (const label of breakdown) expect(text).toContain(label);
    await page.close();
  });
});

describe('a site rebuilt on new data only', () => {
  it("is bundled when first built, then prerendered again on the next night's data, which it shows", () => {
    expect(siteLogs.first).toContain('site: building pages');
    expect(siteLogs.second).not.toContain('site: building pages');
    expect(siteLogs.second.some((line) => line.startsWith('site: prerendering the pages on the new data'))).toBe(true);
    // The last day moved the as-of date, which the Overview shows (above).
    expect([firstAsOf, asOf]).toEqual(['2026-11-19', '2026-11-20']);
  });
});
