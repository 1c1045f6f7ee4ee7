import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shopInTwoDeliveries } from '../../pipelines/generate/shop-in-two-deliveries.js';
import {
  deliver,
  expectSucceeded,
  fileHash,
  publishedDigest,
  publishedPath,
  publishedRunStatuses,
  scalar,
  warehouseDigest,
} from '../helpers/refresh-state.js';
import { shopTimeZone } from '../helpers/repo-seeds.js';

import { runCli, startCli } from '../helpers/run-cli.js';

// Real processes, really killed: `refresh --no-site` run by the CLI against data folders that
// differ only in what has happened to them.
const root = mkdtempSync(join(tmpdir(), 'refresh-crash-'));
let shop: Awaited<ReturnType<typeof shopInTwoDeliveries>>;
/** State A: the first delivery refreshed and published. */
const stateA = join(root, 'state-a');
/** What both deliveries give when refreshed in one go, uninterrupted. */
let reference: Record<string, string>;
/** The same, for every model's table: staging, intermediate and marts. */
let referenceModels: Record<string, string>;
let stateAMarts: Record<string, string>;
let stateAPublished: string;

beforeAll(async () => {
  shop = await shopInTwoDeliveries(root, 1500, 11, { shopTimeZone });
  const whole = join(root, 'whole');
  deliver(whole, shop.before);
  deliver(whole, shop.last);
  expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences'], whole));
  reference = await warehouseDigest(whole);
  referenceModels = await warehouseDigest(whole, ['staging', 'intermediate', 'marts']);
  expect(await publishedDigest(whole)).toEqual(reference);
  deliver(stateA, shop.before);
  expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences'], stateA));
  stateAMarts = await warehouseDigest(stateA);
  stateAPublished = fileHash(publishedPath(stateA));
  // The last day changes the marts, or the checks below could not tell the states apart.
  expect(shop.lastDayOrders).toBeGreaterThan(0);
  expect(stateAMarts).not.toEqual(reference);
}, 300_000);

describe('an incremental refresh', () => {
  it("rebuilds only the new day's orders and the members who bought, and equals a full refresh", async () => {
    const dataDir = join(root, 'incremental');
    cpSync(stateA, dataDir, { recursive: true });
    deliver(dataDir, shop.last);
    expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences'], dataDir));
    const modes = await scalar(
      dataDir,
      `select string_agg(model || ' ' || mode || ' ' || changed_keys, '; ' order by model) from ops.model_runs
      where run_id = (select max(run_id) from ops.runs) and materialized = 'incremental'`,
    );
    // Occasions are rebuilt for the members with a purchase among the new orders (an unpaid order
    // changes no occasion).
    const members = await scalar(
      dataDir,
      `select count(distinct member_id) from staging.stg_orders where is_purchase and order_id in
        (select order_id from raw.orders where _file_id = (select max(file_id) from ops.loaded_files where table_name = 'orders'))`,
    );
    // Levels, coupon use and the latest address are rebuilt for the members with any new order,
    // stages and the occasions' summary with the occasions.
    const orderMembers = await scalar(
      dataDir,
      `select count(distinct member_id) from staging.stg_orders where order_id in
        (select order_id from raw.orders where _file_id = (select max(file_id) from ops.loaded_files where table_name = 'orders'))`,
    );
    // Contacts are rebuilt for the buyers of the new orders, by their ids as the file gives them.
    const buyers = new Set(
      readdirSync(shop.last)
        .filter((file) => file.startsWith('orders'))
        .flatMap((file) => {
          const [header, ...lines] = readFileSync(join(shop.last, file), 'utf8').trim().split('\n');
          const column = header!.split(',').indexOf('member_id');
          return lines.map((line) => line.split(',')[column]);
        }),
    ).size;
    // Lines are priced for the new orders (the as-of date moves to their day, which only they
    // have); tags and products bought by day are rebuilt for the buyers of those with lines.
    const lineMembers = await scalar(
      dataDir,
      `select count(distinct member_id) from staging.stg_orders where is_purchase and order_id in
        (select order_id from staging.stg_order_items) and order_id in
        (select order_id from raw.orders where _file_id = (select max(file_id) from ops.loaded_files where table_name = 'orders'))`,
    );
    expect(modes).toBe(
      [
        `intermediate.int_member_coupon_use incremental ${orderMembers}`,
        `intermediate.int_member_items_priced incremental ${shop.lastDayOrders}`,
        `intermediate.int_member_latest_address incremental ${orderMembers}`,
        `intermediate.int_member_level_history incremental ${orderMembers}`,
        `intermediate.int_member_occasions_summarized incremental ${members}`,
        `intermediate.int_member_stage_history incremental ${members}`,
        `intermediate.int_paid_orders incremental ${shop.lastDayOrders}`,
        `intermediate.int_product_purchases_dated incremental ${lineMembers}`,
        `intermediate.int_purchase_occasions_numbered incremental ${members}`,
        `intermediate.int_purchases_keyed incremental ${shop.lastDayOrders}`,
        `marts.member_tags incremental ${lineMembers}`,
        `staging.stg_member_contacts incremental ${buyers}`,
        `staging.stg_order_items incremental ${shop.lastDayOrders}`,
        `staging.stg_orders incremental ${shop.lastDayOrders}`,
      ].join('; '),
    );
    expect(await warehouseDigest(dataDir, ['staging', 'intermediate', 'marts'])).toEqual(referenceModels);
    expect(await publishedDigest(dataDir)).toEqual(reference);
  }, 120_000);

  it("restates a member's past when today's export refunds a year-old order in full, and equals a full refresh", async () => {
    // A one-time buyer of late November 2025 (new at that month end): refunded in full, the member
    // never bought at all.
    const whole = join(root, 'whole');
    const orderId = scalar(
      whole,
      `select order_id from staging.stg_orders where is_purchase and status = 'completed' and purchased_at < '2025-12-01'
        and purchased_at >= '2025-11-25' and member_id in (select member_id from staging.stg_orders where is_purchase group by 1 having count(*) = 1)
      order by order_id limit 1`,
    );
    const member = scalar(whole, `select member_id from staging.stg_orders where order_id = '${orderId}'`);
    const stages = (dataDir: string) =>
      scalar(
        dataDir,
        `select string_agg(stage, ' ' order by changed_on) from intermediate.int_member_stages_dated where member_id = '${member}'`,
      );
    expect(stages(whole)).toMatch(/\bnew\b/);
    const [header, ...lines] = readFileSync(join(shop.before, 'orders.csv'), 'utf8').trim().split('\n');
    const fields = lines.find((line) => line.startsWith(`${orderId},`))!.split(',');
    const columns = header!.split(',');
    fields[columns.indexOf('refund_amount')] = fields[columns.indexOf('paid_amount')]!;
    const refund = join(root, 'refund');
    mkdirSync(refund);
    writeFileSync(join(refund, 'orders-refunds.csv'), `${header},updated_at\n${fields.join(',')},2026-11-20 09:30:00\n`);

    const incremental = join(root, 'incremental-refund');
    cpSync(stateA, incremental, { recursive: true });
    deliver(incremental, shop.last);
    deliver(incremental, refund);
    expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences'], incremental));
    const full = join(root, 'full-refund');
    for (const delivery of [shop.before, shop.last, refund]) deliver(full, delivery);
    expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences'], full));

    expect(stages(incremental)).toBe('prospect');
    // Restated by the member's stage history, rebuilt for the members whose orders changed only.
    expect(
      scalar(
        incremental,
        `select mode from ops.model_runs where run_id = (select max(run_id) from ops.runs) and model = 'intermediate.int_member_stage_history'`,
      ),
    ).toBe('incremental');
    expect(await warehouseDigest(incremental, ['staging', 'intermediate', 'marts'])).toEqual(
      await warehouseDigest(full, ['staging', 'intermediate', 'marts']),
    );
    const newAtNovemberEnd = (dataDir: string) =>
      Number(scalar(dataDir, `select members from marts.lifecycle_monthly where month_end = '2025-11-30' and stage = 'new'`));
    expect(newAtNovemberEnd(incremental)).toBe(newAtNovemberEnd(whole) - 1);
  }, 180_000);
});

describe('an incremental refresh of updates', () => {
  it('equals a full refresh after a status update, a late member file and a parameter change', async () => {
    // A paid order of state A turns completed (交易成功) in today's export; a member file comes
    // late with one member's new city and one new member who never bought; and the run changes
    // the RFM lookback, which the models reading it rebuild in full.
    const [header, ...lines] = readFileSync(join(shop.before, 'orders.csv'), 'utf8').trim().split('\n');
    const columns = header!.split(',');
    const paid = lines.find((line) => line.split(',')[columns.indexOf('status')] === 'paid')!.split(',');
    paid[columns.indexOf('status')] = 'completed';
    const [memberHeader, firstMember] = readFileSync(join(shop.before, 'members.csv'), 'utf8').trim().split('\n');
    const memberColumns = memberHeader!.split(',');
    const moved = firstMember!.split(',');
    moved[memberColumns.indexOf('city')] = '杭州市';
    moved[memberColumns.indexOf('province')] = '浙江省';
    const joined = [...moved];
    joined[memberColumns.indexOf('member_id')] = 'tb_late_0001';
    joined[memberColumns.indexOf('joined_at')] = '2026-11-19 08:00:00';
    const updates = join(root, 'updates');
    mkdirSync(updates);
    writeFileSync(join(updates, 'orders-status.csv'), `${header},updated_at\n${paid.join(',')},2026-11-20 18:00:00\n`);
    writeFileSync(join(updates, 'members-late.csv'), `${memberHeader}\n${moved.join(',')}\n${joined.join(',')}\n`);
    const set = ['--set', 'rfm_lookback_days=120'];

    const incremental = join(root, 'incremental-updates');
    cpSync(stateA, incremental, { recursive: true });
    deliver(incremental, shop.last);
    deliver(incremental, updates);
    expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences', ...set], incremental));
    // The same files loaded in the same order (a later member file wins), every model rebuilt.
    const full = join(root, 'full-updates');
    cpSync(stateA, full, { recursive: true });
    deliver(full, shop.last);
    deliver(full, updates);
    expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences', '--full-refresh', ...set], full));

    // Built incrementally where it could be: the orders by key, the member staging in full.
    const mode = (model: string) =>
      scalar(incremental, `select mode from ops.model_runs where run_id = (select max(run_id) from ops.runs) and model = '${model}'`);
    expect(mode('staging.stg_orders')).toBe('incremental');
    expect(mode('staging.stg_member_contacts')).toBe('incremental');
    expect(mode('marts.member_rfm')).toBe('full');
    expect(await warehouseDigest(incremental, ['staging', 'intermediate', 'marts'])).toEqual(
      await warehouseDigest(full, ['staging', 'intermediate', 'marts']),
    );
    // The new city reached the member's facts, and the late member is known.
    const buyer = moved[memberColumns.indexOf('member_id')];
    const factsOf = (buyerId: string) =>
      scalar(
        incremental,
        `select coalesce(city, '') from marts.member_facts where member_id in (select member_id from staging.stg_member_contacts where buyer_id = '${buyerId}')`,
      );
    expect(factsOf(buyer!)).toBe('杭州市');
    expect(factsOf('tb_late_0001')).toBe('杭州市');
  }, 180_000);
});

describe('a refresh killed with SIGKILL', () => {
  // Where it dies, and whether the new build had been committed to the warehouse by then.
  const points: Array<[string, boolean]> = [
    ['load:inserted', false], // inside the transaction loading the first new file
    ['load:file', false], // the first new file loaded and committed, not yet archived
    ['archive:recorded', false], // the first new file in the archive's manifest, not yet moved there
    ['build:model', false], // after the first model of the build, built beside the one it replaces
    ['build:tested', false], // all models built and tested, not put in place
    ['publish:staged', true], // build committed, the new marts file written but not renamed into place
  ];

  it.each(points)(
    'at %s leaves readers the previous state, and the next refresh completes it',
    async (point, committed) => {
      const dataDir = join(root, `crash-${point.replace(':', '-')}`);
      cpSync(stateA, dataDir, { recursive: true });
      deliver(dataDir, shop.last);
      const crashed = runCli(['refresh', '--no-site', '--no-audiences'], dataDir, { WAREHOUSE_CRASH_AT: point });
      expect(crashed.signal).toBe('SIGKILL');
      // The operator's view: the lock and the run were left by a process that is gone.
      const left = runCli(['status'], dataDir).stdout;
      expect(left).toMatch(
        /^lock {7}left by 'refresh' \(pid \d+ on .+\) that stopped at \d{4}-\d\d-\d\dT.+Z; the next run takes it over$/m,
      );
      expect(left).toMatch(/^2 +refresh +interrupted .+the process ended before the run finished$/m);
      expect(left).toMatch(
        /^run 2 \('refresh', pid \d+ on .+\) stopped at .+: its process is gone; the next writing command records the run as interrupted$/m,
      );
      expect(left).not.toMatch(/running/);
      // Readers of the published file see exactly the previous state.
      expect(fileHash(publishedPath(dataDir))).toBe(stateAPublished);
      expect(await warehouseDigest(dataDir)).toEqual(committed ? reference : stateAMarts);

      const next = runCli(['refresh', '--no-site', '--no-audiences'], dataDir);
      expectSucceeded(next);
      expect(next.stderr).toMatch(/taking over a stale lock: 'refresh' \(pid \d+, since .+\) is no longer running/);
      expect(await warehouseDigest(dataDir)).toEqual(reference);
      expect(await publishedDigest(dataDir)).toEqual(reference);
      // Nothing the killed build left beside the models stays.
      expect(await scalar(dataDir, "select count(*) from information_schema.tables where starts_with(table_name, '_next_')")).toBe('0');
      // Nothing loaded twice: every order line of every file is in raw.orders once.
      expect(await scalar(dataDir, 'select count(*) from raw.orders')).toBe(String(shop.orders));
      expect(await scalar(dataDir, 'select count(*) - count(distinct content_hash) from ops.loaded_files')).toBe('0');
      // Every file delivered is in the archive once, listed once, and gone from the inbox.
      expect(readdirSync(join(dataDir, 'inbox'))).toEqual([]);
      const manifest = readFileSync(join(dataDir, 'archive/manifest.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      const delivered = readdirSync(shop.before).length + readdirSync(shop.last).length;
      expect(manifest.map((entry) => entry.sequence)).toEqual(Array.from({ length: delivered }, (_, index) => index + 1));
      expect(new Set(manifest.map((entry) => entry.content_hash)).size).toBe(delivered);
      for (const entry of manifest) expect(existsSync(join(dataDir, 'archive', entry.archived))).toBe(true);
      expect(await scalar(dataDir, "select string_agg(status, ' ' order by run_id) from ops.runs where command = 'refresh'")).toBe(
        'succeeded interrupted succeeded',
      );
      const status = runCli(['status'], dataDir).stdout;
      expect(status).toMatch(/^lock {7}free$/m);
      expect(status).toMatch(/^2 +refresh +interrupted .+the process ended before the run finished$/m);
      expect(status).not.toMatch(/its process is gone/);
      // The Data page publishes the run log as recorded; the publishing run, every check passed, shows
      // as succeeded, since the page exists only if it publishes.
      expect(await publishedRunStatuses(dataDir)).toEqual(['succeeded', 'interrupted', 'succeeded']);
      expect(existsSync(join(dataDir, 'warehouse.duckdb.lock'))).toBe(false);
    },
    240_000,
  );
});

describe('two refreshes at once', () => {
  it('run one after the other when the second may wait', async () => {
    const dataDir = join(root, 'concurrent-wait');
    cpSync(stateA, dataDir, { recursive: true });
    deliver(dataDir, shop.last);
    const runs = await Promise.all([
      startCli(['refresh', '--no-site', '--no-audiences', '--wait', '120'], dataDir),
      startCli(['refresh', '--no-site', '--no-audiences', '--wait', '120'], dataDir),
    ]);
    for (const run of runs) expectSucceeded(run);
    expect(await warehouseDigest(dataDir)).toEqual(reference);
    expect(await scalar(dataDir, 'select count(*) from raw.orders')).toBe(String(shop.orders));
    // They did not overlap: the second started its run after the first had finished.
    const times = await scalar(
      dataDir,
      `select bool_and(started_at >= previous_finished) from (
      select started_at, lag(finished_at) over (order by run_id) as previous_finished from ops.runs where command = 'refresh' and run_id > 1) where previous_finished is not null`,
    );
    expect(times).toBe('true');
  }, 180_000);

  it('leave one running and the other refusing with the holder named, when it may not wait', async () => {
    const dataDir = join(root, 'concurrent-refuse');
    cpSync(stateA, dataDir, { recursive: true });
    deliver(dataDir, shop.last);
    const runs = await Promise.all([
      startCli(['refresh', '--no-site', '--no-audiences'], dataDir),
      startCli(['refresh', '--no-site', '--no-audiences'], dataDir),
    ]);
    // Normally they overlap and one refuses; if the first finished before the second began, both succeed.
    expect(runs.filter((run) => run.status === 0).length).toBeGreaterThanOrEqual(1);
    for (const run of runs.filter((result) => result.status !== 0)) {
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(
        /^error: the warehouse is busy: 'refresh' \(pid \d+ on .+, since .+\) holds .+warehouse\.duckdb\.lock; use --wait SECONDS to wait for it\n$/,
      );
    }
    expect(await warehouseDigest(dataDir)).toEqual(reference);
    expect(await publishedDigest(dataDir)).toEqual(reference);
    expect(await scalar(dataDir, 'select count(*) from raw.orders')).toBe(String(shop.orders));
  }, 180_000);
});
