import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import { codeDigest } from '../code-digest.js';
import type { WarehouseConfig } from '../config.js';
import { memberSalt } from '../transform/build-warehouse.js';
import type { Database } from '../warehouse/database.js';
import { siteDir, siteSourcesDigest } from './build-site.js';
import { filesDigest } from './files-digest.js';
import { publishedMartsPath } from './publish-marts.js';

export interface PublishedFingerprint {
  marts: string;
  site: string;
}

/**
 * Everything the published marts are computed from: the loaded files (the newest file id; loaded
 * files are never replaced), the models, assertions and seeds, the code that builds them, parameter
 * overrides and the member salt. The site adds its own sources (every file of reports/ but its
 * outputs and packages). Today's date is not an input: with as_of_date empty, metrics are as of
 * the latest purchase in the data.
 */
export async function publishedFingerprint(
  db: Kysely<Database>,
  config: WarehouseConfig,
  parameters: Record<string, string> = {},
): Promise<PublishedFingerprint> {
  const { rows } = await sql<{ id: number }>`select coalesce(max(file_id), 0)::bigint as id from ops.loaded_files`.execute(db);
  const marts = digest([
    String(rows[0]!.id),
    JSON.stringify(Object.entries(parameters).sort()),
    digest([memberSalt(config)]),
    filesDigest([config.modelsDir, config.assertionsDir, config.seedsDir]),
    codeDigest(),
  ]);
  const site = digest([marts, siteSourcesDigest(config)]);
  return { marts, site };
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
    .values(targets.map((target) => ({ target, fingerprint: fingerprint[target], run_id: runId, published_at: new Date() })))
    .execute();
}

function digest(parts: string[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}
