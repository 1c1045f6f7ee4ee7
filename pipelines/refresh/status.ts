import { existsSync, realpathSync, statSync } from 'node:fs';
import { type Kysely, sql } from 'kysely';
import type { WarehouseConfig } from '../config.js';
import { siteDir } from '../publish/build-site.js';
import { publishedMartsPath } from '../publish/publish-marts.js';
import type { Database } from '../warehouse/database.js';
import { type DeadRun, deadRuns, interruptedMessage } from '../warehouse/interrupted-runs.js';
import { openWarehouse } from '../warehouse/open-warehouse.js';
import { runQuery } from '../warehouse/run-query.js';
import { literal } from '../warehouse/sql-text.js';
import { describeStorageFailure } from '../warehouse/storage-failure.js';
import { isAlive, type LockHolder, lockPathOf, readHolder } from '../warehouse/warehouse-lock.js';
import { describeAlerts } from './describe-alerts.js';

/**
 * What a scheduler's operator wants to know: who holds the lock, the last runs, what is published.
 * A lock or run left by a process that died is shown as such: reading, status cannot record it.
 */
export async function describeStatus(config: WarehouseConfig): Promise<string> {
  const holder = readHolder(lockPathOf(config.warehousePath));
  const built = existsSync(config.warehousePath);
  const { dead, lines: runLog } = built ? await describeRunLog(config, holder) : { dead: [], lines: [] };
  const sections = [
    `warehouse  ${config.warehousePath}${built ? '' : ' (not built yet)'}`,
    `lock       ${describeLock(holder, dead)}`,
    `published  ${describeFile(publishedMartsPath(config))}`,
    `site       ${describeFile(siteDir(config))}`,
    ...runLog,
  ];
  return `${sections.join('\n')}\n`;
}

function describeLock(holder: LockHolder | undefined, dead: DeadRun[]): string {
  if (!holder) return 'free';
  const who = `'${holder.command}' (pid ${holder.pid} on ${holder.host}`;
  if (isAlive(holder)) return `held by ${who}, since ${holder.since})`;
  const run = dead.find((candidate) => candidate.pid === holder.pid && candidate.host === holder.host);
  return `left by ${who}) that stopped at ${run ? run.stoppedAt.toISOString() : holder.since}; the next run takes it over`;
}

async function describeRunLog(config: WarehouseConfig, holder: LockHolder | undefined): Promise<{ dead: DeadRun[]; lines: string[] }> {
  try {
    const warehouse = await openWarehouse(config, { readOnly: true });
    try {
      const dead = await deadRuns(warehouse.db, holder);
      // Shown as the next writer will record them; the log itself still says running.
      const deadIds = dead.length > 0 ? dead.map((run) => run.runId).join(', ') : 'null';
      const publishing = await publishingTimes(warehouse.db);
      const lines = [
        `audiences  ${await describeAutomation(warehouse.db)}`,
        `alerts     ${(await describePublishedAlerts(warehouse.db, config)).join('; ')}`,
        ...(await describeHold(warehouse.db)),
        '',
        'last runs',
        await runQuery(
          warehouse.db,
          `
        select runs.run_id, command, case when runs.run_id in (${deadIds}) then 'interrupted' else status end as status, started_at,
               round(case when status in ('publishing', 'succeeded') then date_diff('millisecond', started_at, publishing_at) / 1000 end, 1)
                 as seconds_to_publish,
               round(case when status <> 'publishing' then date_diff('millisecond', started_at, finished_at) / 1000 end, 1) as total_seconds,
               left(case when runs.run_id in (${deadIds}) then ${literal(interruptedMessage)} else split_part(message, chr(10), 1) end, 100) as message
        from ops.runs as runs left join ${publishing} as publishing on publishing.run_id = runs.run_id
        order by runs.run_id desc limit 5`,
          'table',
        ),
        ...dead.map(
          (run) =>
            `run ${run.runId} ('${run.command}'${run.pid === null ? '' : `, pid ${run.pid} on ${run.host}`}) stopped at ${run.stoppedAt.toISOString()}: its process is gone; the next writing command records the run as interrupted`,
        ),
        ...(dead.length > 0 ? [''] : []),
        'last freshness check and failed tests',
        await runQuery(
          warehouse.db,
          `
        select run_id, model, test, status, failing_rows from ops.test_results
        where run_id = (select max(run_id) from ops.test_results) and (status <> 'pass' or model = 'freshness')
        order by model, test`,
          'table',
        ),
      ];
      return { dead, lines };
    } finally {
      await warehouse.close();
    }
  } catch (error) {
    const failure = describeStorageFailure(error, config) ?? (error as Error);
    return { dead: [], lines: ['', `run log unavailable: ${failure.message}`] };
  }
}

/**
 * The figures of a publish still held: those of the latest held run after the last publish. A
 * warehouse no writer of this version has opened yet has no ops.publish_holds.
 */
async function describeHold(db: Kysely<Database>): Promise<string[]> {
  const { rows } = await sql<{ run_id: number | null; published: number | null }>`
    select max(runs.run_id) as run_id, any_value(published.run_id) as published
    from ops.runs as runs
    cross join (select max(run_id) as run_id from ops.published where target = 'marts') as published
    where runs.status = 'held' and runs.run_id > coalesce(published.run_id, 0)
      and exists (select 1 from duckdb_tables() where schema_name = 'ops' and table_name = 'publish_holds')`.execute(db);
  const held = rows[0];
  if (!held || held.run_id === null) return [];
  const moved = await db
    .selectFrom('ops.publish_holds')
    .select(['summary', 'files'])
    .where('run_id', '=', held.run_id)
    .orderBy('month')
    .orderBy('figure')
    .execute();
  return [
    '',
    `publish held by run ${held.run_id}: the published marts and site are ${held.published === null ? 'those published before' : `those of run ${held.published}`}; refresh --accept-changes publishes the new build`,
    ...moved.map((row) => `  ${row.summary}`),
    `  files loaded since: ${moved[0]?.files ?? 'none'}`,
  ];
}

// The automation exports only when a refresh asks (--audiences): when did it last?
async function describeAutomation(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql<{ run_id: number | null; exported_at: string | null; exported: number; failed: number }>`
    select run_id, max(exported_at)::varchar as exported_at, count(*) filter (status = 'exported') as exported,
           count(*) filter (status = 'failed') as failed
    from ops.exports
    where rule is not null and run_id = (select max(run_id) from ops.exports where rule is not null)
    group by run_id`.execute(db);
  const last = rows[0];
  if (!last) return 'the automation rules have not run (refresh --audiences or audience-rules runs them)';
  return `the automation rules last exported in run ${last.run_id}, ${last.exported_at}: ${last.exported} exported, ${last.failed} failed`;
}

// What readers of the published marts see, not the warehouse's build, which a held publish keeps back.
async function describePublishedAlerts(db: Kysely<Database>, config: WarehouseConfig): Promise<string[]> {
  const path = publishedMartsPath(config);
  if (!existsSync(path)) return ['none published yet'];
  return db.connection().execute(async (connection) => {
    await sql.raw(`attach ${literal(path)} as published_alerts (read_only)`).execute(connection);
    try {
      const { rows } = await sql`select 1 from duckdb_tables()
        where database_name = 'published_alerts' and schema_name = 'marts' and table_name = 'kpi_alerts'`.execute(connection);
      if (rows.length === 0) return ['not in the published marts, published before alerts existed; the next refresh publishes them'];
      return await describeAlerts(connection, 'published_alerts.marts.kpi_alerts');
    } finally {
      await sql.raw('detach published_alerts').execute(connection);
    }
  });
}

// The same seconds to publish as marts.data_runs. A warehouse no writer of this version has opened
// yet has no ops.run_publishing.
async function publishingTimes(db: Kysely<Database>): Promise<string> {
  const { rows } = await sql`select 1 from duckdb_tables() where schema_name = 'ops' and table_name = 'run_publishing'`.execute(db);
  return rows.length > 0 ? 'ops.run_publishing' : '(select null::bigint as run_id, null::timestamp as publishing_at)';
}

function describeFile(path: string): string {
  if (!existsSync(path)) return `${path} (none yet)`;
  const real = realpathSync(path);
  return `${path}${real === path ? '' : ` → ${real}`}, written ${statSync(real).mtime.toISOString()}`;
}
