import { hostname } from 'node:os';
import { Kysely } from 'kysely';
import type { Database } from '../warehouse/database.js';
import type { Warehouse } from '../warehouse/open-warehouse.js';
import { describeStorageFailure } from '../warehouse/storage-failure.js';

/**
 * Runs `work` as one row of ops.runs, with this process's pid and host: running, then succeeded or
 * failed with the error's message (or held or succeeded, for an error whose runStatus says so: a
 * publish the guard held, or one made without the inbox files that could not be loaded). Given the warehouse (not only its db), a failure for want of
 * space or a damaged file is told in one line saying what to do, and when DuckDB has invalidated
 * the database the warehouse is reopened to record the failure.
 */
export async function withRun<T>(target: Warehouse | Kysely<Database>, command: string, work: (runId: number) => Promise<T>): Promise<T> {
  const warehouse = target instanceof Kysely ? undefined : target;
  const db = warehouse?.db ?? (target as Kysely<Database>);
  const { run_id: runId } = await db
    .insertInto('ops.runs')
    .values({ command, started_at: new Date(), status: 'running' })
    .returning('run_id')
    .executeTakeFirstOrThrow();
  await db.insertInto('ops.run_processes').values({ run_id: runId, pid: process.pid, host: hostname() }).execute();
  let result: T;
  try {
    result = await work(runId);
  } catch (error) {
    const failure = (warehouse && describeStorageFailure(error, warehouse.config, publishedBy(error))) || (error as Error);
    if (!(await recordFailure(db, runId, failure.message, runStatusOf(error))) && warehouse)
      failure.message = `${failure.message}; ${await recordAfterReopening(warehouse, runId, failure.message)}`;
    throw failure;
  }
  await finishRun(db, runId, 'succeeded');
  return result;
}

/**
 * Records that a run ended well, and when; 'publishing' marks a refresh whose every check passed as
 * it starts to publish, so that the published Data page shows it finished (marts.data_runs), and
 * keeps that moment: its seconds to publish, the figure both that page and `status` show.
 */
export async function finishRun(db: Kysely<Database>, runId: number, status: 'succeeded' | 'publishing'): Promise<void> {
  const now = new Date();
  await db.updateTable('ops.runs').set({ status, finished_at: now }).where('run_id', '=', runId).execute();
  if (status === 'publishing') await db.insertInto('ops.run_publishing').values({ run_id: runId, publishing_at: now }).execute();
}

/** Marks an error as raised after `what` was published, so that its account does not say nothing was. */
export function afterPublishing(error: unknown, what: string[]): unknown {
  return Object.assign(error as object, { published: what });
}

function publishedBy(error: unknown): string[] {
  return (error as { published?: string[] }).published ?? [];
}

type EndStatus = 'failed' | 'held' | 'succeeded';

function runStatusOf(error: unknown): EndStatus {
  return (error as { runStatus?: EndStatus }).runStatus ?? 'failed';
}

async function recordFailure(db: Kysely<Database>, runId: number, message: string, status: EndStatus = 'failed'): Promise<boolean> {
  try {
    await db.updateTable('ops.runs').set({ status, finished_at: new Date(), message }).where('run_id', '=', runId).execute();
    return true;
  } catch {
    return false;
  }
}

// DuckDB refuses every statement once a failed write has invalidated the database, until it is
// restarted; with the disk still full it may not open again, and then the next command to write
// finds the run still running and records it as interrupted.
async function recordAfterReopening(warehouse: Warehouse, runId: number, message: string): Promise<string> {
  try {
    await warehouse.reopen();
    if (await recordFailure(warehouse.db, runId, message)) return `run ${runId} is recorded as failed`;
  } catch (error) {
    return `run ${runId} could not be recorded as failed (${(error as Error).message.split('\n')[0]}); the next command that writes records it as interrupted`;
  }
  return `run ${runId} could not be recorded as failed; the next command that writes records it as interrupted`;
}
