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
    await db.updateTable('ops.runs').set({ status: 'succeeded', finished_at: new Date() }).where('run_id', '=', runId).execute();
    return result;
  } catch (error) {
    await db
      .updateTable('ops.runs')
      .set({ status: 'failed', finished_at: new Date(), message: (error as Error).message })
      .where('run_id', '=', runId)
      .execute();
    throw error;
  }
}
