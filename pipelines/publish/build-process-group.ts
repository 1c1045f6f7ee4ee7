import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import type { WarehouseConfig } from '../config.js';
import { crashPoint } from '../crash-point.js';

/** A build running in a process group of its own, as recorded in the data folder while it runs. */
interface BuildRecord {
  pgid: number;
  /** The group leader's start time (/proc/<pid>/stat), which tells it from a later process given the same pid. */
  started?: number;
  command: string;
  /** The process that started it. */
  owner: number;
  since: string;
}

function recordPath(config: WarehouseConfig): string {
  return join(config.dataDir, 'site-build.json');
}

const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

/**
 * Spawns a build step (Evidence) in a process group of its own, which ends with this process:
 * killed when it exits or is told to stop by a signal, and, since SIGKILL cannot be caught,
 * recorded in the data folder so that the next run ends a build its dead run left (endLeftoverBuild).
 * `npm run dev`'s processes are not recorded (`record: false`): they run outside the warehouse
 * lock, and a refresh meanwhile is no run of theirs to end them.
 */
export function spawnBuildProcess(
  config: WarehouseConfig,
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; record?: boolean },
): ChildProcessByStdio<null, Readable, Readable> {
  const { record: recorded = true, ...spawnOptions } = options;
  const child = spawn(command, args, { ...spawnOptions, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = child.pid;
  if (pgid === undefined) return child; // it failed to start: 'error' says why
  const path = recordPath(config);
  const end = () => {
    killGroup(pgid);
    if (recorded) rmSync(path, { force: true });
  };
  // The group dies with this process, and the signal that stopped it then ends it as it would have.
  const onSignal = (signal: NodeJS.Signals) => {
    end();
    process.kill(process.pid, signal);
  };
  const forget = () => {
    process.off('exit', end);
    for (const signal of signals) process.off(signal, onSignal);
    if (recorded) rmSync(path, { force: true });
  };
  process.on('exit', end);
  for (const signal of signals) process.once(signal, onSignal);
  child.on('close', forget);
  if (!recorded) return child;
  const record: BuildRecord = {
    pgid,
    started: startTime(pgid),
    command: [basename(command), ...args].join(' '),
    owner: process.pid,
    since: new Date().toISOString(),
  };
  try {
    writeFileSync(path, JSON.stringify(record));
  } catch (error) {
    end();
    throw error;
  }
  crashPoint('site:evidence');
  return child;
}

/**
 * Ends the build a run that died left running (its record is still in the data folder), before
 * this run starts: its group is killed once it is known to be that build's. Returns what it ended.
 */
export async function endLeftoverBuild(config: WarehouseConfig): Promise<string | undefined> {
  const path = recordPath(config);
  let record: BuildRecord;
  try {
    record = JSON.parse(readFileSync(path, 'utf8')) as BuildRecord;
  } catch {
    // None, or one cut short as its run died: then no build was started after it.
    rmSync(path, { force: true });
    return undefined;
  }
  const members = groupMembers(record.pgid);
  // While a process of the group lives its id cannot be given to another; a leader alive with
  // another start time is a later process that got the id after the group was gone.
  const leader = startTime(record.pgid);
  const ours = members.length > 0 && (leader === undefined || leader === record.started);
  if (ours) {
    killGroup(record.pgid);
    await waitUntilGone(record.pgid, path);
  }
  rmSync(path, { force: true });
  return ours
    ? `ended a site build left running by a run that died: '${record.command}' (process group ${record.pgid}, started by pid ${record.owner} at ${record.since})`
    : undefined;
}

function killGroup(pgid: number): void {
  try {
    process.kill(-pgid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}

async function waitUntilGone(pgid: number, path: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (groupMembers(pgid).length > 0) {
    if (Date.now() > deadline)
      throw new Error(
        `${path}: the site build left by a run that died (process group ${pgid}) did not end; end it (kill -9 -- -${pgid}) and run again`,
      );
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// /proc/<pid>/stat: the fields after the command's closing parenthesis, which may hold spaces.
function stat(pid: number | string): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function startTime(pid: number): number | undefined {
  const fields = stat(pid);
  return fields && fields[0] !== 'Z' ? Number(fields[19]) : undefined;
}

// The live processes of a group: a zombie has ended, whether or not anyone has reaped it yet.
// Without /proc (not Linux) none are found, and a leftover build is left to the operator.
function groupMembers(pgid: number): number[] {
  if (!existsSync('/proc')) return [];
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      const fields = stat(pid);
      return fields !== undefined && fields[0] !== 'Z' && Number(fields[2]) === pgid;
    })
    .map(Number);
}
