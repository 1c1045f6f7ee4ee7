import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoDir, tempProject } from '../helpers/temp-project.js';

// A real refresh of a small project whose site build is a stand-in for Evidence: the real one
// ends on its own after minutes, while this one runs, with a child of its own as Evidence has
// (vite), until it is killed, and writes the pids of both, and the folder it runs in, where the
// test reads them. The folder is written first: the test reads it once the pids are there.
const fakeEvidence = `#!/bin/sh
sleep 600 &
pwd >> "$(dirname "$0")/../../evidence-cwd"
echo "$$ $!" >> "$(dirname "$0")/../../evidence-pids"
wait
`;

function project() {
  // A publish guard reads marts this project has none of: its guards are none.
  const guards = join(repoDir, 'seeds/publish_guards.csv');
  const config = tempProject({
    models: {
      'staging/stg_orders.sql': `-- grain: order_id\n-- materialized: table\nselect 'o1' as order_id, timestamp '2026-11-20 23:00:00' as created_at,
        timestamp '2026-11-20 23:00:00' as purchased_at, true as is_purchase`,
      // The refresh's freshness check reads it.
      'intermediate/int_newest_order.sql': readFileSync(join(repoDir, 'models/intermediate/int_newest_order.sql'), 'utf8'),
    },
    seeds: existsSync(guards) ? { 'publish_guards.csv': `${readFileSync(guards, 'utf8').split('\n')[0]}\n` } : {},
  });
  const bin = join(config.projectDir, 'reports/node_modules/.bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'evidence'), fakeEvidence);
  chmodSync(join(bin, 'evidence'), 0o755);
  return config;
}

function startRefresh(projectDir: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [join(repoDir, 'bin/warehouse.mjs'), 'refresh', '--no-audiences', ...args], {
    cwd: projectDir,
    env: { ...process.env, WAREHOUSE_DATA_DIR: 'data', WAREHOUSE_MEMBER_SALT: 'test-salt-0001', WAREHOUSE_MEMORY_LIMIT: '1GB', ...env },
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const ended = new Promise<{ signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('close', (_status, signal) => resolve({ signal, stderr })),
  );
  return { child, ended };
}

// Running, and not a zombie: a process that ended but was not reaped yet is not a build going on.
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

function evidencePids(projectDir: string): number[] {
  const path = join(projectDir, 'reports/evidence-pids');
  return existsSync(path) ? readFileSync(path, 'utf8').trim().split(/\s+/).map(Number) : [];
}

async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe("a refresh's site build", () => {
  it('left running by a refresh killed with SIGKILL is ended by the next refresh, before it starts', async () => {
    const { projectDir } = project();
    const crashed = await startRefresh(projectDir, [], { WAREHOUSE_CRASH_AT: 'site:evidence' }).ended;
    expect(crashed.signal).toBe('SIGKILL');
    expect(crashed.stderr).toMatch(/^marts staged for publishing/m);
    // The build outlives the refresh, which may die before the stand-in has written its pids.
    await until(() => evidencePids(projectDir).length === 2, 'the orphaned build to write its pids');
    const [evidence, child] = evidencePids(projectDir);
    expect(evidence).toBeGreaterThan(0);
    expect(child).toBeGreaterThan(0);
    expect(running(evidence!)).toBe(true);
    expect(running(child!)).toBe(true);

    const next = await startRefresh(projectDir, ['--no-site']).ended;
    expect(next.stderr).not.toMatch(/error/);
    expect(next.stderr).toMatch(
      new RegExp(
        `^ended a site build left running by a run that died: 'evidence sources' \\(process group ${evidence}, started by pid \\d+ at .+\\)$`,
        'm',
      ),
    );
    // Said first, before anything is loaded.
    expect(next.stderr.split('\n').findIndex((line) => line.startsWith('ended a site build'))).toBeLessThan(
      next.stderr.split('\n').findIndex((line) => line.startsWith('loading')),
    );
    expect(running(evidence!)).toBe(false);
    expect(running(child!)).toBe(false);
    expect(existsSync(join(projectDir, 'data/site-build.json'))).toBe(false);
  }, 120_000);

  it('ends with a refresh stopped by SIGTERM or SIGINT', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const { projectDir } = project();
      const refresh = startRefresh(projectDir, []);
      await until(() => evidencePids(projectDir).length === 2, 'the site build to start');
      const [evidence, child] = evidencePids(projectDir);
      // In the data folder's copy of reports/, not in reports/, where `npm run dev` keeps its own build.
      expect(readFileSync(join(projectDir, 'reports/evidence-cwd'), 'utf8').split('\n')[0]).toBe(join(projectDir, 'data/site-workspace'));
      (refresh.child as ChildProcess).kill(signal);
      expect((await refresh.ended).signal).toBe(signal);
      await until(() => !running(evidence!) && !running(child!), `the site build to end after ${signal}`);
      expect(existsSync(join(projectDir, 'data/site-build.json'))).toBe(false);
    }
  }, 120_000);
});
