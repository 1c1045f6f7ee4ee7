import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { WarehouseConfig } from '../../pipelines/config.js';
import { withRun } from '../../pipelines/run/run-log.js';
import { buildWarehouse } from '../../pipelines/transform/build-warehouse.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { tempProject } from '../helpers/temp-project.js';
import { testRun } from '../helpers/test-run.js';

// A header of five lines, three of them in Chinese (three bytes a character in UTF-8, which is how
// DuckDB counts its positions), then a blank line: the query starts on line 7.
const header = ['-- 每位会员的消费合计：', '-- 订单金额按会员加总，', '-- 退款不计。', '-- grain: member_id', '-- materialized: table', ''];

const orders = `-- Orders.
-- grain: order_id
-- materialized: table
select * from (values (1, 10, 5.0), (2, 10, 7.5), (3, 11, 2.0)) as orders(order_id, member_id, amount)`;

const memberTotals = (...query: string[]) => [...header, ...query].join('\n');

async function build(config: WarehouseConfig, select: string[] = []) {
  const warehouse = await openWarehouse(config);
  try {
    await withRun(warehouse.db, 'build', async (runId) => buildWarehouse(warehouse.db, await testRun(config, runId), { select }));
  } finally {
    await warehouse.close();
  }
}

// A project of the orders and a mart of the given lines after its header.
const projectOf = (...lines: string[]) =>
  tempProject({ models: { 'staging/stg_orders.sql': orders, 'marts/member_totals.sql': memberTotals(...lines) } });

// The build's refusal, which must be one line.
async function failure(config: WarehouseConfig, select: string[] = []): Promise<string> {
  const error = await build(config, select).then(
    () => new Error('the build passed'),
    (thrown: Error) => thrown,
  );
  expect(error.message).not.toContain('\n');
  return error.message;
}

describe('errors name the line of the model file', () => {
  it('points a misspelt column at its line of the file, not of the statement the build ran', async () => {
    const config = projectOf(
      'with', // 7
      '', // 8
      'orders as (select * from staging.stg_orders),', // 9
      '', // 10
      'totals as (', // 11
      '  select member_id, sum(amout) as spent', // 12
      '  from orders', // 13
      '  group by member_id', // 14
      ')', // 15
      '', // 16
      'select * from totals',
    );
    expect(await failure(config)).toBe(
      'models/marts/member_totals.sql:12: Binder Error: Referenced column "amout" not found in FROM clause! Candidate bindings: "amount"',
    );
  });

  it('points a parse error at its line', async () => {
    const config = projectOf(
      '-- The orders, then their totals.', // 7
      'wiht', // 8
      '', // 9
      'orders as (select * from staging.stg_orders)', // 10
      '', // 11
      'select member_id, sum(amount) as spent from orders group by member_id',
    );
    expect(await failure(config)).toBe('models/marts/member_totals.sql:8: SQL does not parse: syntax error at or near "wiht"');
  });

  it('refuses an alias without AS in a select list, which a missing comma makes', async () => {
    // Without the comma after spent, DuckDB reads `spent last_order_id` as `spent as last_order_id`,
    // and the model builds.
    const config = projectOf(
      'with', // 7
      '', // 8
      'totals as (', // 9
      '  select member_id, sum(amount) as spent, max(order_id) as last_order_id', // 10
      '  from staging.stg_orders', // 11
      '  group by member_id', // 12
      ')', // 13
      '', // 14
      'select', // 15
      '  member_id,', // 16
      '  spent', // 17
      '  last_order_id', // 18
      'from totals',
    );
    expect(await failure(config)).toBe(
      'models/marts/member_totals.sql:18: last_order_id is taken as the alias of the expression before it, without AS (a missing comma? add it, or write "as last_order_id")',
    );
    // With the comma, and AS for aliases, it builds; a table alias needs no AS.
    writeFileSync(
      join(config.modelsDir, 'marts/member_totals.sql'),
      memberTotals(
        'select o.member_id, count(*) as order_count, sum(o.amount) as spent',
        'from staging.stg_orders o',
        'group by o.member_id',
      ),
    );
    await build(config);
  });

  it('refuses at once a relation read through a quoted name, which the build would not replace by its new relation', async () => {
    const config = projectOf('select member_id, sum(amount) as spent', 'from staging.stg_orders', 'group by member_id');
    await build(config);
    // Built alone, with its upstream kept as it was, the quoted name would read the same relation:
    // only a build that rebuilds stg_orders would find it.
    writeFileSync(
      join(config.modelsDir, 'marts/member_totals.sql'),
      memberTotals('select member_id, sum(amount) as spent', 'from "staging"."stg_orders"', 'group by member_id'), // lines 7 to 9
    );
    expect(await failure(config, ['member_totals'])).toBe(
      'models/marts/member_totals.sql:8: reads "staging"."stg_orders" (write staging.stg_orders, unquoted: the build reads its new relations by their plain schema.table names)',
    );
  });
});
