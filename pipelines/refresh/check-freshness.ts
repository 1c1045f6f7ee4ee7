import { type Kysely, sql } from 'kysely';
import { requiredParameter } from '../run/read-parameters.js';
import type { Run } from '../run/run-context.js';
import { shopToday } from '../shop-today.js';
import type { Database } from '../warehouse/database.js';

export interface FreshnessOptions {
  /** Today is taken from this instant, in the shop's time zone. */
  now?: Date;
}

export interface Freshness {
  newestOrderDate: string | null;
  ageDays: number | null;
  maxDays: number;
  status: 'pass' | 'warn' | 'fail';
}

export class StaleDataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StaleDataError';
  }
}

/**
 * Compares the newest order with today (in the shop's time zone): older than freshness_max_days
 * is a warning or, with freshness_action = fail, stops the refresh before anything is published.
 * Recorded in ops.test_results either way.
 */
export async function checkFreshness(db: Kysely<Database>, run: Run, options: FreshnessOptions = {}): Promise<Freshness> {
  const { parameters } = run;
  const maxDays = Number(requiredParameter(parameters, 'freshness_max_days'));
  // warn or fail: reading the parameters refused others (seeds/parameter_values.csv).
  const action = requiredParameter(parameters, 'freshness_action') as 'warn' | 'fail';
  const today = shopToday(requiredParameter(parameters, 'shop_time_zone'), options.now);
  // The newest order as the Data page shows it: one definition, in the model.
  const { rows } = await sql<{ newest: string | null; age: number | null }>`
    select newest_order_date::varchar as newest, date_diff('day', newest_order_date, ${today}::date) as age
    from intermediate.int_newest_order`.execute(db);
  const newest = rows[0]?.newest ?? null;
  const ageDays = rows[0]?.age ?? null;
  const fresh = ageDays !== null && ageDays <= maxDays;
  const status = fresh ? 'pass' : action;
  const message =
    newest === null
      ? 'there are no orders'
      : `the newest order is from ${newest}, ${ageDays} day${ageDays === 1 ? '' : 's'} before ${today} (freshness_max_days = ${maxDays})`;
  await db
    .insertInto('ops.test_results')
    .values({
      run_id: run.runId,
      model: 'freshness',
      test: `newest order at most ${maxDays} days old`,
      status,
      failing_rows: fresh ? 0 : 1,
      message: fresh ? null : message,
      sample_rows: null,
      finished_at: new Date(),
    })
    .execute();
  if (status === 'fail') throw new StaleDataError(`stale data: ${message}; nothing published (freshness_action = fail)`);
  if (status === 'warn') run.log(`warning: stale data: ${message}`);
  return { newestOrderDate: newest, ageDays, maxDays, status };
}
