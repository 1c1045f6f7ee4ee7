import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { WarehouseConfig } from '../../pipelines/config.js';
import { loadFile } from '../../pipelines/load/load-file.js';
import { readParameters } from '../../pipelines/run/read-parameters.js';
import { withRun } from '../../pipelines/run/run-log.js';
import { buildWarehouse, testWarehouse } from '../../pipelines/transform/build-warehouse.js';
import type { Database } from '../../pipelines/warehouse/database.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { tempProject } from '../helpers/temp-project.js';
import { testRun } from '../helpers/test-run.js';
import { writeFiles } from '../helpers/write-files.js';

const models = {
  'staging/stg_latest_orders.sql': `-- Each order in its latest state.
-- grain: order_id
-- materialized: incremental
-- incremental_key: order_id
select order_id, member_id, paid_amount from raw.orders
qualify row_number() over (partition by order_id order by _file_id desc, _line desc) = 1`,
  'intermediate/int_member_totals.sql': `-- Spend per member.
-- grain: member_id
-- materialized: incremental
-- incremental_key: member_id
select member_id, count(*) as orders, sum(paid_amount) as spent from staging.stg_latest_orders group by member_id`,
  'marts/shop_totals.sql': `-- The shop.
-- grain: members
select count(*) as members, sum(spent) as spent from intermediate.int_member_totals`,
};

const header = 'order_id,member_id,created_at,status,paid_amount';
const deliveries = writeFiles({
  'orders-1.csv': `${header}\no1,m1,2026-11-01 10:00:00,paid,10.00\no2,m2,2026-11-01 11:00:00,paid,20.00\n`,
  // o2 is paid more (an update), o3 is new.
  'orders-2.csv': `${header}\no2,m2,2026-11-01 11:00:00,paid,25.00\no3,m3,2026-11-02 09:00:00,paid,5.00\n`,
  // o1 turns out to be m4's: m1 has no order left.
  'orders-3.csv': `${header}\no1,m4,2026-11-01 10:00:00,paid,10.00\n`,
  'orders-4.csv': `${header}\no5,m5,2026-11-03 09:00:00,paid,500.00\n`,
});

// Runs `work` on the project's warehouse, opened and closed around it.
async function inWarehouse<T>(config: WarehouseConfig, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  const warehouse = await openWarehouse(config);
  try {
    return await work(warehouse.db);
  } finally {
    await warehouse.close();
  }
}

// Builds the project (as of `asOf` if given), after loading `delivery` if given, and reads what `read` asks.
function buildThen<T>(
  config: WarehouseConfig,
  { delivery, fullRefresh = false, asOf }: { delivery?: string | undefined; fullRefresh?: boolean; asOf?: string },
  read: (db: Kysely<Database>, runId: number) => Promise<T>,
) {
  return inWarehouse(config, (db) =>
    withRun(db, 'build', async (runId) => {
      if (delivery)
        await loadFile(db, join(deliveries, delivery), { seedsDir: config.seedsDir, parameters: await readParameters(config.seedsDir) });
      await buildWarehouse(db, await testRun(config, runId, asOf ? { parameters: { as_of_date: asOf } } : {}), { fullRefresh });
      return read(db, runId);
    }),
  );
}

function build(config: WarehouseConfig, delivery?: string, fullRefresh = false) {
  return buildThen(config, { delivery, fullRefresh }, async (db, runId) => {
    const modes = await sql<{ model: string; mode: string; changed_keys: number | null }>`
      select model, mode, changed_keys from ops.model_runs where run_id = ${runId} order by model`.execute(db);
    const totals = await sql<{
      member_id: string;
      orders: number;
      spent: number;
    }>`select * from intermediate.int_member_totals order by member_id`.execute(db);
    return { modes: modes.rows.map((row) => `${row.model} ${row.mode} ${row.changed_keys ?? ''}`.trim()), totals: totals.rows };
  });
}

const rowsOf = (config: WarehouseConfig, query: string) =>
  inWarehouse(config, async (db) => (await sql.raw<Record<string, unknown>>(query).execute(db)).rows);

describe('incremental models', () => {
  it('rebuild only the keys whose upstream rows changed, following changes downstream', async () => {
    const config = tempProject({ models });
    const first = await build(config, 'orders-1.csv');
    expect(first.modes).toEqual(['intermediate.int_member_totals full', 'marts.shop_totals full', 'staging.stg_latest_orders full']);
    expect(first.totals).toEqual([
      { member_id: 'm1', orders: 1, spent: 10 },
      { member_id: 'm2', orders: 1, spent: 20 },
    ]);

    const second = await build(config, 'orders-2.csv');
    // o2 and o3 changed; so did their members m2 and m3.
    expect(second.modes).toEqual([
      'intermediate.int_member_totals incremental 2',
      'marts.shop_totals full',
      'staging.stg_latest_orders incremental 2',
    ]);
    expect(second.totals).toEqual([
      { member_id: 'm1', orders: 1, spent: 10 },
      { member_id: 'm2', orders: 1, spent: 25 },
      { member_id: 'm3', orders: 1, spent: 5 },
    ]);

    // Nothing new: nothing is rebuilt, the table that reads them neither.
    const third = await build(config);
    expect(third.modes).toEqual([
      'intermediate.int_member_totals unchanged 0',
      'marts.shop_totals unchanged',
      'staging.stg_latest_orders unchanged 0',
    ]);

    // The order's old member is rebuilt as well as its new one. The shop's totals are computed
    // again into the rows they had (3 members, ¥40: m4 in m1's place), and kept.
    const fourth = await build(config, 'orders-3.csv');
    expect(fourth.modes).toEqual([
      'intermediate.int_member_totals incremental 2',
      'marts.shop_totals unchanged',
      'staging.stg_latest_orders incremental 1',
    ]);
    const expected = [
      { member_id: 'm2', orders: 1, spent: 25 },
      { member_id: 'm3', orders: 1, spent: 5 },
      { member_id: 'm4', orders: 1, spent: 10 },
    ];
    expect(fourth.totals).toEqual(expected);

    const full = await build(config, undefined, true);
    expect(full.modes).toEqual(['intermediate.int_member_totals full', 'marts.shop_totals full', 'staging.stg_latest_orders full']);
    expect(full.totals).toEqual(expected);
  });

  it('rebuild in full when their SQL changes, and downstream incremental models with them', async () => {
    const config = tempProject({ models });
    await build(config, 'orders-1.csv');
    writeFileSync(
      join(config.modelsDir, 'staging/stg_latest_orders.sql'),
      models['staging/stg_latest_orders.sql'].replace('paid_amount from', 'paid_amount * 2 as paid_amount from'),
    );
    const changed = await build(config, 'orders-2.csv');
    expect(changed.modes).toEqual(['intermediate.int_member_totals full', 'marts.shop_totals full', 'staging.stg_latest_orders full']);
    expect(changed.totals).toEqual([
      { member_id: 'm1', orders: 1, spent: 20 },
      { member_id: 'm2', orders: 1, spent: 50 },
      { member_id: 'm3', orders: 1, spent: 10 },
    ]);
  });

  it('leave their readers rebuilt when an upstream change rebuilds them in full with no new file', async () => {
    const config = tempProject({ models });
    await build(config, 'orders-1.csv');
    // Twice the amounts, and no new file: the totals' fingerprint and watermark are as before, their rows not.
    writeFileSync(
      join(config.modelsDir, 'staging/stg_latest_orders.sql'),
      models['staging/stg_latest_orders.sql'].replace('paid_amount from', 'paid_amount * 2 as paid_amount from'),
    );
    const changed = await build(config);
    expect(changed.modes).toEqual(['intermediate.int_member_totals full', 'marts.shop_totals full', 'staging.stg_latest_orders full']);
    // m1 10 × 2, m2 20 × 2.
    expect(await rowsOf(config, 'select * from marts.shop_totals')).toEqual([{ members: 2, spent: 60 }]);
  });

  it('keep their previous state when the build rolls back', async () => {
    const config = tempProject({ models });
    await build(config, 'orders-1.csv');
    // At most two members: false once orders-2 brings m3.
    writeFileSync(
      join(config.modelsDir, 'marts/shop_totals.sql'),
      models['marts/shop_totals.sql'].replace('-- grain: members', '-- grain: members\n-- tests: accepted_range(members, 1, 2)'),
    );
    await expect(build(config, 'orders-2.csv')).rejects.toThrow('accepted_range(members, 1, 2): 1 failing row');
    writeFileSync(join(config.modelsDir, 'marts/shop_totals.sql'), models['marts/shop_totals.sql']);
    // orders-2 is loaded; the rolled-back build did not move the watermark, so its orders are picked up now.
    const next = await build(config);
    expect(next.modes).toEqual([
      'intermediate.int_member_totals incremental 2',
      'marts.shop_totals full',
      'staging.stg_latest_orders incremental 2',
    ]);
    expect(next.totals).toEqual([
      { member_id: 'm1', orders: 1, spent: 10 },
      { member_id: 'm2', orders: 1, spent: 25 },
      { member_id: 'm3', orders: 1, spent: 5 },
    ]);
  });

  it('are tested on the rows the build changed only, as the others passed before; the test command reads them all', async () => {
    const config = tempProject({
      models: {
        ...models,
        'intermediate/int_member_totals.sql': models['intermediate/int_member_totals.sql'].replace(
          '-- incremental_key: member_id',
          '-- incremental_key: member_id\n-- tests: accepted_range(spent, 0, 100)',
        ),
      },
    });
    await build(config, 'orders-1.csv');
    // A row out of range that no build made: m1's, which the next build does not rebuild.
    await rowsOf(config, `update intermediate.int_member_totals set spent = 1000 where member_id = 'm1'`);
    expect((await build(config, 'orders-2.csv')).modes).toContain('intermediate.int_member_totals incremental 2');
    await expect(
      inWarehouse(config, (db) => withRun(db, 'test', async (runId) => testWarehouse(db, await testRun(config, runId)))),
    ).rejects.toThrow(/models\/intermediate\/int_member_totals\.sql: accepted_range\(spent, 0, 100\): 1 failing row/);
    // m5 spends 500: a changed row out of range fails the build.
    await expect(build(config, 'orders-4.csv')).rejects.toThrow(/int_member_totals\.sql: accepted_range\(spent, 0, 100\): 1 failing row/);
  });

  it('read a model without the key whole: a change to its content rebuilds them in full', async () => {
    const config = tempProject({
      models: {
        ...models,
        'intermediate/int_shop_spend.sql': '-- The shop.\n-- grain: spent\nselect sum(spent) as spent from intermediate.int_member_totals',
        'marts/member_shares.sql': `-- Each member's share of the shop's spend.
-- grain: member_id
-- materialized: incremental
-- incremental_key: member_id
select member_totals.member_id, member_totals.spent / shop.spent as share
from intermediate.int_member_totals as member_totals cross join intermediate.int_shop_spend as shop`,
      },
    });
    expect((await build(config, 'orders-1.csv')).modes).toContain('marts.member_shares full');
    // The shop's spend goes from 30 to 40: every share changes.
    expect((await build(config, 'orders-2.csv')).modes).toContain('marts.member_shares full');
    // o1 moves from m1 to m4 and the spend stays 40: only m1 and m4 are rebuilt.
    expect((await build(config, 'orders-3.csv')).modes).toContain('marts.member_shares incremental 2');
    expect(await rowsOf(config, 'select * from marts.member_shares order by member_id')).toEqual([
      { member_id: 'm2', share: 25 / 40 },
      { member_id: 'm3', share: 5 / 40 },
      { member_id: 'm4', share: 10 / 40 },
    ]);
  });

  it('rebuild in full when a seed that a macro they call reads changes', async () => {
    const levelled = {
      ...models,
      'marts/member_tiers.sql': `-- Each member's level.
-- grain: member_id
-- materialized: incremental
-- incremental_key: member_id
select member_id, member_level(spent, orders) as member_level from intermediate.int_member_totals`,
    };
    const config = tempProject({ models: levelled });
    const tiers = () => rowsOf(config, 'select * from marts.member_tiers order by member_id');
    await build(config, 'orders-1.csv');
    expect(await tiers()).toEqual([
      { member_id: 'm1', member_level: 'regular' },
      { member_id: 'm2', member_level: 'regular' },
    ]);
    // senior now from ¥15: m2's ¥20 reaches it, m1's ¥10 does not.
    writeFileSync(
      join(config.seedsDir, 'member_levels.csv'),
      'level_rank,level,level_zh,min_revenue,min_purchases,discount\n1,regular,普通会员,0,0,0\n2,senior,高级会员,15,5,0.10\n',
    );
    expect((await build(config)).modes).toContain('marts.member_tiers full');
    expect(await tiers()).toEqual([
      { member_id: 'm1', member_level: 'regular' },
      { member_id: 'm2', member_level: 'senior' },
    ]);
  });

  it('read by key only raw tables and incremental models, whose changes can be traced', async () => {
    const config = tempProject({
      models: {
        ...models,
        'intermediate/int_member_totals.sql': models['intermediate/int_member_totals.sql'].replace(
          'staging.stg_latest_orders',
          'staging.stg_plain_orders',
        ),
        'staging/stg_plain_orders.sql': '-- Orders.\n-- grain: order_id\nselect order_id, member_id, paid_amount from raw.orders',
      },
    });
    await expect(build(config, 'orders-1.csv')).rejects.toThrow(
      'models/intermediate/int_member_totals.sql: an incremental model reads by key only raw tables and incremental models, whose changes can be traced; staging.stg_plain_orders is neither (a model read whole must not have the key column)',
    );
  });
});

describe('an incremental key named otherwise upstream', () => {
  it('reads the key values from the upstream column it names, and equals a full build', async () => {
    // Raw order rows per buyer, keyed by buyer, whose values are raw.orders' member_id.
    const buyers = `-- Raw order rows per buyer.
-- grain: buyer
-- materialized: incremental
-- incremental_key: buyer = member_id
select member_id as buyer, count(*) as order_rows, max(paid_amount) as top_paid from raw.orders group by member_id`;
    const config = tempProject({ models: { ...models, 'staging/stg_buyers.sql': buyers } });
    const rowsOfBuyers = () => rowsOf(config, 'select * from staging.stg_buyers order by buyer');
    const buyersMode = async (delivery?: string) =>
      (await build(config, delivery)).modes.filter((line) => line.startsWith('staging.stg_buyers'));
    expect(await buyersMode('orders-1.csv')).toEqual(['staging.stg_buyers full']);
    // o2 again (m2 paid 25) and o3 (m3): two buyers rebuilt, m1 kept.
    expect(await buyersMode('orders-2.csv')).toEqual(['staging.stg_buyers incremental 2']);
    const expected = [
      { buyer: 'm1', order_rows: 1, top_paid: 10 },
      { buyer: 'm2', order_rows: 2, top_paid: 25 },
      { buyer: 'm3', order_rows: 1, top_paid: 5 },
    ];
    expect(await rowsOfBuyers()).toEqual(expected);
    await build(config, undefined, true);
    expect(await rowsOfBuyers()).toEqual(expected);

    const misnamed = tempProject({
      models: { ...models, 'staging/stg_buyers.sql': buyers.replace('buyer = member_id', 'buyer = buyer_id') },
    });
    await expect(build(misnamed, 'orders-1.csv')).rejects.toThrow(
      'models/staging/stg_buyers.sql: incremental_key buyer = buyer_id: buyer_id is not a column of raw.orders, so its changes cannot be traced',
    );
  });
});

// An as-of date, and the orders up to it: an incremental model cut at the as-of date.
const cutOrders = {
  'intermediate/int_as_of.sql':
    "-- The as-of date.\n-- grain: as_of_date\nselect coalesce(getvariable('as_of_date'), date '2026-11-30') as as_of_date",
  'staging/stg_orders_to_date.sql': `-- Orders up to the as-of date, in their latest form.
-- grain: order_id
-- materialized: incremental
-- incremental_key: order_id
-- as_of_cut: raw.orders.created_at <= intermediate.int_as_of.as_of_date
select order_id, member_id, paid_amount
from raw.orders cross join intermediate.int_as_of
where created_at::date <= as_of_date
qualify row_number() over (partition by order_id order by _file_id desc, _line desc) = 1`,
};

describe('an incremental model cut at the as-of date', () => {
  it('rebuilds only the keys whose dates the as-of date crosses, forward or back, and equals a full build', async () => {
    const config = tempProject({ models: cutOrders });
    const buildAsOf = (asOf: string, delivery?: string, fullRefresh = false) =>
      buildThen(config, { delivery, fullRefresh, asOf }, async (db, runId) => {
        const { rows } = await sql<{ mode: string; changed_keys: number | null }>`
          select mode, changed_keys from ops.model_runs where run_id = ${runId} and model = 'staging.stg_orders_to_date'`.execute(db);
        const orders = await sql<{ order_id: string; paid_amount: number }>`
          select order_id, paid_amount from staging.stg_orders_to_date order by order_id`.execute(db);
        return {
          mode: `${rows[0]!.mode} ${rows[0]!.changed_keys ?? ''}`.trim(),
          orders: orders.rows.map((row) => `${row.order_id} ${row.paid_amount}`),
        };
      });
    await buildAsOf('2026-11-01', 'orders-1.csv');
    // A new file: o2 paid 25, and o3 of 2 November, after the as-of date (rebuilt, and cut).
    expect(await buildAsOf('2026-11-01', 'orders-2.csv')).toEqual({ mode: 'incremental 2', orders: ['o1 10', 'o2 25'] });
    // A day later: o3 comes in, and only o3 is rebuilt.
    expect(await buildAsOf('2026-11-02')).toEqual({ mode: 'incremental 1', orders: ['o1 10', 'o2 25', 'o3 5'] });
    // Back to 1 November: o3 goes.
    expect(await buildAsOf('2026-11-01')).toEqual({ mode: 'incremental 1', orders: ['o1 10', 'o2 25'] });
    expect(await buildAsOf('2026-11-01')).toEqual({ mode: 'unchanged 0', orders: ['o1 10', 'o2 25'] });
    // Before any order: every key crosses it.
    expect(await buildAsOf('2026-10-31')).toEqual({ mode: 'incremental 2', orders: [] });
    expect(await buildAsOf('2026-11-02', undefined, true)).toEqual({ mode: 'full', orders: ['o1 10', 'o2 25', 'o3 5'] });
  });
});

describe('readers of an incremental model whose rows change with no new file', () => {
  it('follow its rows when an upstream as-of cut moves back and forth, as after a full build', async () => {
    const models = {
      ...cutOrders,
      // Not cut itself: its rows follow the cut above through the rows it changes.
      'intermediate/int_member_spend.sql': `-- Spend per member.
-- grain: member_id
-- materialized: incremental
-- incremental_key: member_id
select member_id, sum(paid_amount) as spent from staging.stg_orders_to_date group by member_id`,
      'marts/shop_spend.sql':
        '-- The shop.\n-- grain: members\nselect count(*) as members, sum(spent) as spent from intermediate.int_member_spend',
    };
    const config = tempProject({ models });
    const spentAsOf = (asOf: string, delivery?: string, fullRefresh = false) =>
      buildThen(config, { delivery, fullRefresh, asOf }, async (db) => {
        const { rows } = await sql<{ spent: number | null }>`select spent::double as spent from marts.shop_spend`.execute(db);
        return rows[0]!.spent;
      });
    const spendState = () =>
      rowsOf(config, "select content from ops.model_state where model = 'intermediate.int_member_spend'").then((rows) => rows[0]!.content);
    // The digest carried forward from the rows replaced and written is the one of the whole table,
    // as a full build of the same rows finds it.
    const expectCarried = async (asOf: string, spent: number) => {
      // The build before was incremental, so its digest was carried, not read whole.
      const [last] = await rowsOf(
        config,
        "select mode from ops.model_runs where model = 'intermediate.int_member_spend' order by run_id desc limit 1",
      );
      expect(last!.mode).toBe('incremental');
      const carried = await spendState();
      expect(await spentAsOf(asOf, undefined, true)).toBe(spent);
      expect(await spendState()).toBe(carried);
    };
    await spentAsOf('2026-11-02', 'orders-1.csv');
    // o1 10 and o2 25 (20 before) of 1 November, o3 5 of 2 November.
    expect(await spentAsOf('2026-11-02', 'orders-2.csv')).toBe(40);
    await expectCarried('2026-11-02', 40);
    expect(await spentAsOf('2026-11-01')).toBe(35);
    // Before any order; then back where it was. No file came in between, so a state made of what
    // the spend was computed with and the newest file would read the same each time.
    expect(await spentAsOf('2026-10-31')).toBeNull();
    expect(await spentAsOf('2026-11-02')).toBe(40);
    await expectCarried('2026-11-02', 40);
    expect(await spentAsOf('2026-11-01')).toBe(35);
  });
});

describe('table and view models', () => {
  it('are kept when nothing they read changed, and rebuilt with their readers when something did', async () => {
    const config = tempProject({
      models: {
        ...models,
        'staging/stg_order_lines.sql': '-- Raw order rows.\n-- grain: lines\nselect count(*) as lines from raw.orders',
        'marts/shop_view.sql': '-- The shop.\n-- grain: members\n-- materialized: view\nselect * from marts.shop_totals',
      },
    });
    const modes = (built: { modes: string[] }) => built.modes.filter((line) => !/int_member_totals|stg_latest_orders/.test(line));
    expect(modes(await build(config, 'orders-1.csv'))).toEqual([
      'marts.shop_totals full',
      'marts.shop_view full',
      'staging.stg_order_lines full',
    ]);
    expect(modes(await build(config))).toEqual([
      'marts.shop_totals unchanged',
      'marts.shop_view unchanged',
      'staging.stg_order_lines unchanged',
    ]);
    // A new file changes the raw table and, through the incremental models, the totals.
    expect(modes(await build(config, 'orders-2.csv'))).toEqual([
      'marts.shop_totals full',
      'marts.shop_view full',
      'staging.stg_order_lines full',
    ]);
    // Its SQL changed: rebuilt, and so is the view that reads it; the raw table's reader is kept.
    writeFileSync(join(config.modelsDir, 'marts/shop_totals.sql'), models['marts/shop_totals.sql'].replace('sum(spent)', 'sum(spent) + 1'));
    expect(modes(await build(config))).toEqual(['marts.shop_totals full', 'marts.shop_view full', 'staging.stg_order_lines unchanged']);
    expect(modes(await build(config, undefined, true))).toEqual([
      'marts.shop_totals full',
      'marts.shop_view full',
      'staging.stg_order_lines full',
    ]);
    // 3 members who spent 10 + 25 + 5, plus the 1 of the changed SQL; 4 raw rows in two files.
    expect(await rowsOf(config, 'select * from marts.shop_view')).toEqual([{ members: 3, spent: 41 }]);
    expect(await rowsOf(config, 'select * from staging.stg_order_lines')).toEqual([{ lines: 4 }]);
  });
});
