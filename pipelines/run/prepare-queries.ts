import { type Kysely, sql } from 'kysely';
import { shopToday } from '../shop-today.js';
import type { Database } from '../warehouse/database.js';
import { requiredParameter } from './read-parameters.js';
import type { RunContext } from './run-context.js';
import { setParameters } from './set-parameters.js';

/**
 * What a model's query needs on a connection: the parameters as variables, the member salt, today
 * in the shop's time zone (shop_today: models never read the clock), the macros.
 */
export async function prepareQueries(db: Kysely<Database>, context: RunContext): Promise<void> {
  await setParameters(db, context.parameters);
  await sql`set variable member_salt = ${context.memberSalt}`.execute(db);
  await sql`set variable shop_today = ${shopToday(requiredParameter(context.parameters, 'shop_time_zone'))}::date`.execute(db);
  await sql.raw(context.macros.sql).execute(db);
}
