import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import { isAlive, type LockHolder } from './warehouse-lock.js';

export const interruptedMessage = 'the process ended before the run finished';

// When a run last showed progress: the last file it loaded, model it built or test it ran, else its
// start. That is when a run whose process died stopped, as far as the warehouse can tell.
const lastProgress = sql<Date>`greatest(runs.started_at,
  (select max(loaded_at) from ops.loaded_files where run_id = runs.run_id),
  (select max(finished_at) from ops.model_runs where run_id = runs.run_id),
  (select max(finished_at) from ops.test_results where run_id = runs.run_id))`;

/**
 * Marks every run still running (or publishing) as interrupted, finished at its last progress. Only for a writer
 * holding the lock: every run happens under the lock, so any run still running then has no process.
 */
export async function markInterruptedRuns(db: Kysely<Database>): Promise<void> {
  await sql`update ops.runs as runs set status = 'interrupted', finished_at = ${lastProgress}, message = ${interruptedMessage}
    where status in ('running', 'publishing')`.execute(db);
}

export interface DeadRun {
  runId: number;
  command: string;
  pid: number | null;
  host: string | null;
  stoppedAt: Date;
}

/**
 * Runs marked running (or publishing) whose process is gone, for readers, who may not write. A run is going only
 * while a live holder of the lock is its process: every run happens under the lock.
 */
export async function deadRuns(db: Kysely<Database>, holder: LockHolder | undefined): Promise<DeadRun[]> {
  // A warehouse no writer of this version has opened yet has no ops.run_processes.
  const { rows: recorded } = await sql`select 1 from duckdb_tables() where schema_name = 'ops' and table_name = 'run_processes'`.execute(
    db,
  );
  const processes =
    recorded.length > 0 ? sql`ops.run_processes` : sql`(select null::bigint as run_id, null::bigint as pid, null::varchar as host)`;
  const { rows } = await sql<{ run_id: number; command: string; pid: number | null; host: string | null; stopped_at: Date }>`
    select runs.run_id, command, pid, host, ${lastProgress} as stopped_at
    from ops.runs as runs left join ${processes} as processes on processes.run_id = runs.run_id
    where status in ('running', 'publishing') order by runs.run_id`.execute(db);
  const live = holder !== undefined && isAlive(holder) ? holder : undefined;
  // A run logged before runs recorded their process is taken to be the live holder's.
  const going = (run: (typeof rows)[number]) =>
    live !== undefined && (run.pid === null || (run.pid === live.pid && run.host === live.host));
  return rows
    .filter((run) => !going(run))
    .map((run) => ({ runId: run.run_id, command: run.command, pid: run.pid, host: run.host, stoppedAt: run.stopped_at }));
}
