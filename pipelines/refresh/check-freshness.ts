import { type Kysely, sql } from 'kysely';
import { shopToday } from '../shop-today.js';
import { readParameters, requiredParameter } from '../transform/read-parameters.js';
import type { Database } from '../warehouse/database.js';

export interface FreshnessOptions {
  runId: number;
  /** seeds/parameters.csv gives freshness_max_days, freshness_action and the shop time zone. */
  seedsDir: string;
  parameters?: Record<string, string>;
  /** Today is taken from this instant, in the shop's time zone. */
  now?: Date;
  log?: (line: string) => void;
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
export async function checkFreshness(db: Kysely<Database>, options: FreshnessOptions): Promise<Freshness> {
  const parameters = await readParameters(options.seedsDir, options.parameters);
  const maxDays = Number(requiredParameter(parameters, 'freshness_max_days'));
  // warn or fail: readParameters refuses others (seeds/parameter_values.csv).
  const action = requiredParameter(parameters, 'freshness_action') as 'warn' | 'fail';
  const today = shopToday(requiredParameter(parameters, 'shop_time_zone'), options.now);
  const { rows } = await sql<{ newest: string | null; age: number | null }>`
    select max(created_at)::date::varchar as newest, date_diff('day', max(created_at)::date, ${today}::date) as age
    from staging.stg_orders`.execute(db);
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
      run_id: options.runId,
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
  if (status === 'warn') options.log?.(`warning: stale data: ${message}`);
  return { newestOrderDate: newest, ageDays, maxDays, status };
}
