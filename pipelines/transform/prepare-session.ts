import type { Kysely } from 'kysely';
import { prepareQueries } from '../run/prepare-queries.js';
import type { RunContext } from '../run/run-context.js';
import type { Database } from '../warehouse/database.js';
import { discoverAssertions, discoverModels } from './discover-models.js';
import { loadSeeds } from './load-seeds.js';
import { orderModels } from './order-models.js';

/** Loads seeds and sets parameters on one connection (DuckDB variables belong to a connection). */
export async function prepareSession(db: Kysely<Database>, context: RunContext) {
  const { config, macros } = context;
  await loadSeeds(db, config.seedsDir);
  await prepareQueries(db, context);
  const models = orderModels(await discoverModels(db, config.modelsDir, config.projectDir, macros));
  const assertions = await discoverAssertions(db, config.assertionsDir, config.projectDir);
  return { models, assertions, macros };
}
