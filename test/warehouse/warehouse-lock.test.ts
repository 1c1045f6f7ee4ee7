import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireWarehouseLock, lockPathOf, WarehouseBusyError } from '../../pipelines/warehouse/warehouse-lock.js';

const warehouse = () => join(mkdtempSync(join(tmpdir(), 'warehouse-lock-')), 'warehouse.duckdb');

// The pid of a process that has exited: nobody holds it now.
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(child.stdout);
}

describe('the warehouse lock', () => {
  it('is held by one process, with its pid and command, until released', async () => {
    const path = warehouse();
    const release = await acquireWarehouseLock(path, { command: 'refresh' });
    expect(JSON.parse(readFileSync(lockPathOf(path), 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), command: 'refresh' });
    release();
    expect(existsSync(lockPathOf(path))).toBe(false);
  });

  it('refuses a second writer at once, naming the holder and the --wait option', async () => {
    const path = warehouse();
    const release = await acquireWarehouseLock(path, { command: 'refresh' });
    const error = await acquireWarehouseLock(path, { command: 'build' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(WarehouseBusyError);
    expect((error as Error).message).toMatch(
      new RegExp(
        `^the warehouse is busy: 'refresh' \\(pid ${process.pid} on .+, since .+\\) holds .+warehouse\\.duckdb\\.lock; use --wait SECONDS to wait for it$`,
      ),
    );
    release();
  });

  it('lets a second writer wait for the first to finish', async () => {
    const path = warehouse();
    const release = await acquireWarehouseLock(path, { command: 'refresh' });
    const lines: string[] = [];
    setTimeout(release, 600);
    const started = Date.now();
    const releaseSecond = await acquireWarehouseLock(path, { command: 'build', waitSeconds: 30, log: (line) => lines.push(line) });
    expect(Date.now() - started).toBeGreaterThanOrEqual(500);
    expect(lines).toEqual([`waiting up to 30 s for 'refresh' (pid ${process.pid}) to finish`]);
    expect(JSON.parse(readFileSync(lockPathOf(path), 'utf8'))).toMatchObject({ command: 'build' });
    releaseSecond();
  });

  it('gives up after waiting, saying how long it waited', async () => {
    const path = warehouse();
    const release = await acquireWarehouseLock(path, { command: 'refresh' });
    await expect(acquireWarehouseLock(path, { command: 'build', waitSeconds: 0.5 })).rejects.toThrow(/; waited 0.5 s$/);
    release();
  });

  it('takes over the lock of a process that died, and a damaged lock file', async () => {
    const path = warehouse();
    const pid = deadPid();
    writeFileSync(lockPathOf(path), JSON.stringify({ pid, host: hostname(), command: 'refresh', since: '2026-11-22T02:00:00.000Z' }));
    const lines: string[] = [];
    const release = await acquireWarehouseLock(path, { command: 'refresh', log: (line) => lines.push(line) });
    expect(lines).toEqual([`taking over a stale lock: 'refresh' (pid ${pid}, since 2026-11-22T02:00:00.000Z) is no longer running`]);
    expect(JSON.parse(readFileSync(lockPathOf(path), 'utf8'))).toMatchObject({ pid: process.pid });
    release();
    writeFileSync(lockPathOf(path), '{"pid": 12');
    (await acquireWarehouseLock(path, { command: 'refresh' }))();
  });

  it('waits for a holder on another host, whose liveness it cannot check', async () => {
    const path = warehouse();
    writeFileSync(lockPathOf(path), JSON.stringify({ pid: deadPid(), host: 'elsewhere', command: 'refresh', since: 'now' }));
    await expect(acquireWarehouseLock(path, { command: 'build' })).rejects.toThrow("the warehouse is busy: 'refresh'");
  });
});
