import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { codeDigest } from '../code-digest.js';
import type { WarehouseConfig } from '../config.js';
import { filesDigest } from '../files-digest.js';
import { type Parameter, requiredParameter } from '../run/read-parameters.js';
import type { RunContext } from '../run/run-context.js';
import { shopToday } from '../shop-today.js';
import type { Database } from '../warehouse/database.js';
import { siteDir, siteSourcesDigest } from './build-site.js';
import { publishedMartsPath } from './publish-marts.js';

export interface PublishedFingerprint {
  marts: string;
  site: string;
  /** What the marts are computed by, the data aside: the publish guard compares builds of the same. */
  definitions: string;
}

/**
 * Everything the published marts are computed from: the loaded files (the newest file id; loaded
 * files are never replaced), the models, assertions and seeds, the code that builds them, the run's
 * parameters (overrides included) and the member salt. The site adds its own sources (every file
 * of reports/ but its outputs and packages). Today's date is an input only while the data has a purchase after it:
 * with as_of_date empty, metrics are as of the latest purchase, but never after today
 * (int_as_of_date_resolved.sql), so then a new day moves them though no file came.
 */
export async function publishedFingerprint(db: Kysely<Database>, context: RunContext): Promise<PublishedFingerprint> {
  const { config, parameters } = context;
  const { rows } = await sql<{ id: number }>`select coalesce(max(file_id), 0)::bigint as id from ops.loaded_files`.execute(db);
  const definitions = digest([
    JSON.stringify([...parameters.values()].map((parameter) => [parameter.name, parameter.value]).sort()),
    digest([context.memberSalt]),
    filesDigest([config.modelsDir, config.assertionsDir, config.seedsDir]),
  ]);
  const marts = digest([String(rows[0]!.id), definitions, codeDigest(), await asOfCap(db, parameters)]);
  const site = digest([marts, siteSourcesDigest(config)]);
  return { marts, site, definitions };
}

/**
 * The run whose marts (and, with `site`, site) are still published and were computed from the same
 * fingerprint, if any. A `build` since then changed the warehouse's tables, so it does not count.
 */
export async function unchangedSince(
  db: Kysely<Database>,
  config: WarehouseConfig,
  fingerprint: PublishedFingerprint,
  site: boolean,
): Promise<number | undefined> {
  const published = await db.selectFrom('ops.published').selectAll().execute();
  const marts = published.find((row) => row.target === 'marts');
  if (!marts || marts.fingerprint !== fingerprint.marts || !existsSync(publishedMartsPath(config))) return undefined;
  if (site && (published.find((row) => row.target === 'site')?.fingerprint !== fingerprint.site || !existsSync(siteDir(config))))
    return undefined;
  const builds = await db
    .selectFrom('ops.runs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('command', '=', 'build')
    .where('run_id', '>', marts.run_id)
    .executeTakeFirstOrThrow();
  return Number(builds.n) === 0 ? marts.run_id : undefined;
}

export async function recordPublished(
  db: Kysely<Database>,
  runId: number,
  fingerprint: PublishedFingerprint,
  site: boolean,
): Promise<void> {
  const targets = site ? (['marts', 'site'] as const) : (['marts'] as const);
  await db.deleteFrom('ops.published').where('target', 'in', targets).execute();
  await db
    .insertInto('ops.published')
    .values(
      targets.map((target) => ({
        target,
        fingerprint: fingerprint[target],
        definitions: fingerprint.definitions,
        run_id: runId,
        published_at: new Date(),
      })),
    )
    .execute();
}

// Today, while an order loaded is after it (the as-of date is capped then); else nothing. Raw
// orders, not staging: the fingerprint is taken before the build that will see them.
async function asOfCap(db: Kysely<Database>, parameters: Map<string, Parameter>): Promise<string> {
  if (parameters.get('as_of_date')?.value) return '';
  const today = shopToday(requiredParameter(parameters, 'shop_time_zone'));
  const { rows } = await sql<{ capped: boolean }>`
    select coalesce(max(coalesce(paid_at, created_at))::date > ${today}::date, false) as capped from raw.orders`.execute(db);
  return rows[0]!.capped ? today : '';
}

function digest(parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
