import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { generateShop } from '../../pipelines/generate/generate-shop.js';
import { deliver, expectSucceeded } from '../helpers/refresh-state.js';
import { shopTimeZone } from '../helpers/repo-seeds.js';
import { runCli } from '../helpers/run-cli.js';

async function ruleExports(dataDir: string): Promise<{ runs: string[]; exports: number }> {
  const instance = await DuckDBInstance.create(join(dataDir, 'warehouse.duckdb'), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      "select count(*)::int, coalesce(string_agg(distinct run_id::varchar), '') from ops.exports where rule is not null",
    );
    const [exports, runs] = reader.getRows()[0]!;
    return { exports: Number(exports), runs: String(runs).split(',').filter(Boolean) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const statusLine = (dataDir: string) =>
  runCli(['status'], dataDir)
    .stdout.split('\n')
    .find((line) => line.startsWith('audiences'));

describe('the automation exports audiences only when a refresh asks', () => {
  it('exports nothing on a plain refresh, then exports on --audiences, even with nothing new to build, and status says when', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'audiences-on-request-'));
    const shopDir = join(dataDir, 'shop');
    await generateShop({ shopTimeZone, members: 400, days: 400, endDate: '2026-11-20', seed: 11, outDir: shopDir });
    deliver(dataDir, shopDir);

    expectSucceeded(runCli(['refresh', '--no-site'], dataDir));
    expect(await ruleExports(dataDir)).toEqual({ exports: 0, runs: [] });
    expect(existsSync(join(dataDir, 'audiences'))).toBe(false);
    expect(statusLine(dataDir)).toBe('audiences  the automation rules have not run (refresh --audiences or audience-rules runs them)');

    // Run 2 finds nothing new to build and still runs the rules it was asked for.
    const asked = runCli(['refresh', '--no-site', '--audiences'], dataDir);
    expectSucceeded(asked);
    expect(asked.stderr).toContain('nothing new since run 1');
    const { exports, runs } = await ruleExports(dataDir);
    // The sample shop's five standing audiences (models/audiences/), one export each.
    expect(exports).toBe(5);
    expect(runs).toEqual(['2']);
    expect(existsSync(join(dataDir, 'audiences'))).toBe(true);
    expect(statusLine(dataDir)).toMatch(
      /^audiences {2}the automation rules last exported in run 2, 2026-\d\d-\d\d .*: 5 exported, 0 failed$/,
    );
  }, 240_000);
});
