import { existsSync, readFileSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import type { WarehouseConfig } from '../config.js';
import type { Database } from '../warehouse/database.js';
import { literal } from '../warehouse/sql-text.js';
import { publishedMartsPath } from './publish-marts.js';

const guardSql = readFileSync(new URL('./publish-guard.sql', import.meta.url), 'utf8').trimEnd();

/**
 * A publish the guard held: the run is recorded as held, not failed, and the CLI exits with 3, so
 * that a scheduler tells it from a success (0) and a failure (1).
 */
export class PublishHeld extends Error {
  readonly runStatus = 'held';
  readonly exitCode = 3;
}

export interface PublishGuardOptions {
  runId: number;
  /** What the new build was computed by, the data aside (PublishedFingerprint.definitions). */
  definitions: string;
  /** Publish what moved, recorded as accepted (refresh --accept-changes). */
  accept?: boolean;
  log: (line: string) => void;
}

/**
 * Compares the new build with the published marts (publish-guard.sql, limits from
 * seeds/publish_guards.csv) and records every figure that moved in ops.publish_holds; unless
 * accepted, throws PublishHeld, which leaves the published marts and site standing. The first
 * publish has nothing to compare with. When no file was loaded since the last publish and only the
 * models, seeds or parameters changed (an edited model, a --set), the figures move by someone's
 * decision and are not compared; a file loaded since is compared whatever else changed, so that no
 * restatement it brings is published without a yes.
 */
export async function guardPublish(db: Kysely<Database>, config: WarehouseConfig, options: PublishGuardOptions): Promise<void> {
  await refuseUnknownGuards(db);
  const path = publishedMartsPath(config);
  if (!existsSync(path)) return;
  const published = await db.selectFrom('ops.published').select(['run_id', 'definitions']).where('target', '=', 'marts').executeTakeFirst();
  if (published?.definitions && published.definitions !== options.definitions && !(await filesLoadedSince(db, published.run_id))) {
    options.log(
      `publish guard: not compared: since the marts run ${published.run_id} published, no file was loaded, only the models, seeds or parameters changed`,
    );
    return;
  }
  const { compared, moved } = await recordMoves(db, path, options.runId, options.accept ? 'accepted' : 'held');
  const since = published ? `the marts run ${published.run_id} published` : 'the published marts';
  if (moved.length === 0) {
    options.log(`publish guard: ${compared} figures compared with ${since}, none moved beyond seeds/publish_guards.csv`);
    return;
  }
  const shown = moved.slice(0, 3).map((row) => row.summary);
  if (moved.length > 3) shown.push(`${moved.length - 3} more (npm run warehouse -- status lists them)`);
  const account = `${moved.length} of ${compared} figures moved beyond seeds/publish_guards.csv since ${since}: ${shown.join('; ')}; files loaded since: ${cut(moved[0]!.files ?? 'none')}`;
  if (options.accept) {
    options.log(`publish guard: accepted (--accept-changes): ${account}`);
    return;
  }
  throw new PublishHeld(
    `publish held: ${account}; the published marts and site stand; check those files, and if the change is meant, publish it with refresh --accept-changes`,
  );
}

async function filesLoadedSince(db: Kysely<Database>, runId: number): Promise<boolean> {
  const file = await db.selectFrom('ops.loaded_files').select('file_id').where('run_id', '>', runId).limit(1).executeTakeFirst();
  return file !== undefined;
}

async function recordMoves(
  db: Kysely<Database>,
  path: string,
  runId: number,
  action: 'held' | 'accepted',
): Promise<{ compared: number; moved: Array<{ summary: string; files: string | null }> }> {
  return db.connection().execute(async (connection) => {
    await sql.raw(`attach ${literal(path)} as published (read_only)`).execute(connection);
    try {
      await sql.raw(`create or replace temp table publish_guard as ${guardSql}`).execute(connection);
    } finally {
      await sql.raw('detach published').execute(connection);
    }
    try {
      await sql`insert into ops.publish_holds by name
        select ${runId} as run_id, ${action} as action, ${new Date()} as recorded_at, * exclude (moved)
        from publish_guard where moved`.execute(connection);
      const { rows } = await sql<{ compared: number }>`select count(*)::integer as compared from publish_guard`.execute(connection);
      const moved = await connection
        .selectFrom('ops.publish_holds')
        .select(['summary', 'files'])
        .where('run_id', '=', runId)
        .orderBy('month')
        .orderBy('figure')
        .execute();
      return { compared: rows[0]!.compared, moved };
    } finally {
      await sql.raw('drop table publish_guard').execute(connection);
    }
  });
}

// A guard that names no figure of the marts it compares would guard nothing, silently.
async function refuseUnknownGuards(db: Kysely<Database>): Promise<void> {
  const { rows } = await sql<{ mart: string; figure: string; unit: string }>`
    select mart, figure, unit from seeds.publish_guards as guards
    where unit not in ('relative', 'points') or mart not in ('kpi_monthly', 'kpi_overview') or not exists (
      select 1 from duckdb_columns() as columns
      where columns.database_name = current_database() and columns.schema_name = 'marts'
        and columns.table_name = guards.mart and columns.column_name = guards.figure)`.execute(db);
  const [wrong] = rows;
  if (wrong)
    throw new Error(
      `seeds/publish_guards.csv: ${cut(`${wrong.mart}.${wrong.figure} (${wrong.unit})`)} is not a guard: name a column of marts.kpi_monthly (its closed months) or marts.kpi_overview (the headline), with unit relative or points`,
    );
}

function cut(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
