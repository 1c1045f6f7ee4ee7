import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { type Parameter, requiredParameter } from '../run/read-parameters.js';
import { setParameters } from '../run/set-parameters.js';
import { shopToday } from '../shop-today.js';
import type { Database } from '../warehouse/database.js';
import { literal } from '../warehouse/sql-text.js';
import { temp } from './temp-tables.js';

/**
 * What a load checks beyond types and the check constraints of raw.*, on this connection: every
 * parameter as a DuckDB variable, `shop_tomorrow` (the day after today in the shop time zone:
 * the latest plausible date), and seeds/load_rules.csv as temp table `loadRules`. A rule may read
 * a seed as `seeds.<stem>` (the rating texts of seeds/review_ratings.csv): it reads the seed's file,
 * as text, since a load may come before any build has made the seed's table.
 */
export async function prepareLoadRules(
  db: Kysely<Database>,
  options: { seedsDir: string; parameters: Map<string, Parameter> },
): Promise<void> {
  const { parameters } = options;
  await setParameters(db, parameters);
  const tomorrow = shopToday(requiredParameter(parameters, 'shop_time_zone'), new Date(), -1);
  await sql.raw(`set variable shop_tomorrow = date ${literal(tomorrow)}`).execute(db);
  const path = join(options.seedsDir, 'load_rules.csv');
  await sql
    .raw(`create temp table ${temp.loadRules} as
    select row_number() over () as rule_order, table_name,
      regexp_replace(rule, '\\bseeds\\.([a-z_]+)\\b', ${literal(`read_csv(${literal(join(options.seedsDir, '\\1.csv'))}, header = true, all_varchar = true)`)}, 'g') as rule,
      reason
    from read_csv(${literal(path)}, header = true, auto_detect = false,
      columns = {'table_name': 'varchar', 'rule': 'varchar', 'reason': 'varchar'})`)
    .execute(db)
    .catch((error: Error) => {
      throw new Error(`seeds/load_rules.csv: ${error.message}`);
    });
}
