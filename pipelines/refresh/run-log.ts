import type { Kysely } from 'kysely';
import type { Database } from '../warehouse/database.js';

/** Runs `work` as one row of ops.runs: running, then succeeded or failed with the error's message. */
export async function withRun<T>(db: Kysely<Database>, command: string, work: (runId: number) => Promise<T>): Promise<T> {
  const { run_id: runId } = await db
    .insertInto('ops.runs')
    .values({ command, started_at: new Date(), status: 'running' })
    .returning('run_id')
    .executeTakeFirstOrThrow();
  try {
    const result = await work(runId);
    await finishRun(db, runId, 'succeeded');
    return result;
  } catch (error) {
    await finishRun(db, runId, 'failed', (error as Error).message);
    throw error;
  }
}

/**
 * Records how a run ended, and when; 'publishing' marks a refresh whose every check passed as it
 * starts to publish, so that the published Data page shows it finished (marts.data_runs).
 */
export async function finishRun(
  db: Kysely<Database>,
  runId: number,
  status: 'succeeded' | 'failed' | 'publishing',
  message: string | null = null,
): Promise<void> {
  await db.updateTable('ops.runs').set({ status, finished_at: new Date(), message }).where('run_id', '=', runId).execute();
}
