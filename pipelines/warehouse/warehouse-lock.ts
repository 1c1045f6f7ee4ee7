import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

export interface LockOptions {
  command: string;
  /** How long to wait for a live holder before giving up; 0 gives up at once. */
  waitSeconds?: number;
  log?: (line: string) => void;
}

export class WarehouseBusyError extends Error {
  constructor(
    readonly lockPath: string,
    readonly holder: LockHolder,
    waitedSeconds: number,
  ) {
    super(
      `the warehouse is busy: '${holder.command}' (pid ${holder.pid} on ${holder.host}, since ${holder.since}) holds ${lockPath}` +
        (waitedSeconds > 0 ? `; waited ${waitedSeconds} s` : '; use --wait SECONDS to wait for it'),
    );
    this.name = 'WarehouseBusyError';
  }
}

export function lockPathOf(warehousePath: string): string {
  return `${warehousePath}.lock`;
}

/**
 * Takes the lock file beside the warehouse: one writing process at a time. A lock whose holder is
 * no longer alive (killed, crashed) is taken over; a live holder is waited for up to waitSeconds.
 * Returns the release function.
 */
export async function acquireWarehouseLock(warehousePath: string, options: LockOptions): Promise<() => void> {
  const path = lockPathOf(warehousePath);
  const waitSeconds = options.waitSeconds ?? 0;
  const deadline = Date.now() + waitSeconds * 1000;
  const me: LockHolder = { pid: process.pid, host: hostname(), command: options.command, since: new Date().toISOString() };
  let announced = false;
  for (;;) {
    if (tryCreate(path, me)) return () => releaseIfMine(path);
    const holder = readHolder(path);
    if (holder === undefined) continue; // released between our attempt and the read
    if (!isAlive(holder)) {
      options.log?.(`taking over a stale lock: '${holder.command}' (pid ${holder.pid}, since ${holder.since}) is no longer running`);
      takeOver(path, holder);
      continue;
    }
    if (Date.now() >= deadline) throw new WarehouseBusyError(path, holder, waitSeconds);
    if (!announced) options.log?.(`waiting up to ${waitSeconds} s for '${holder.command}' (pid ${holder.pid}) to finish`);
    announced = true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** How a failure to create the lock file begins, followed by its path (storage-failure.ts reads it). */
export const lockFailure = 'cannot create the lock file';

// The holder is written to a file of our own and linked into place: link is atomic and fails when
// the lock exists, so nobody ever reads a lock file that is not yet written. The draft goes
// whatever happens: a write that failed for want of space leaves no empty file behind.
function tryCreate(path: string, holder: LockHolder): boolean {
  const draft = `${path}.${process.pid}`;
  try {
    writeFileSync(draft, JSON.stringify(holder));
    linkSync(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new Error(`${lockFailure} ${path}: ${(error as Error).message}`);
  } finally {
    rmSync(draft, { force: true });
  }
}

export function readHolder(path: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as LockHolder;
  } catch {
    // Not ours to read: a damaged lock has no live holder to wait for.
    return { pid: -1, host: hostname(), command: 'unknown', since: 'unknown' };
  }
}

/** Whether the holder's process is still running: a process on another host is taken to be. */
export function isAlive(holder: LockHolder): boolean {
  // A lock from another host cannot be checked from here: treat it as held.
  if (holder.host !== hostname()) return true;
  if (holder.pid <= 0) return false;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

// Renaming is atomic: of two processes taking over the same stale lock, one moves it away and the
// other finds it gone and competes for a fresh one through tryCreate.
function takeOver(path: string, stale: LockHolder): void {
  const aside = `${path}.stale-${process.pid}`;
  try {
    renameSync(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readHolder(aside);
  // Between our read and the rename another process may have taken over and locked anew: give it back.
  if (moved && moved.pid !== stale.pid) {
    try {
      linkSync(aside, path);
    } catch {
      // It cannot be put back only if someone locked again meanwhile; theirs stands.
    }
  }
  rmSync(aside, { force: true });
}

function releaseIfMine(path: string): void {
  const holder = readHolder(path);
  if (holder?.pid === process.pid) rmSync(path, { force: true });
}
