import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { generateShop } from '../../pipelines/generate/generate-shop.js';
import { deliver, expectSucceeded, publishedPath } from '../helpers/refresh-state.js';
import { shopTimeZone } from '../helpers/repo-seeds.js';
import { runCli } from '../helpers/run-cli.js';

async function publishedRuns(dataDir: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(publishedPath(dataDir), { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      'select run_id, status, seconds_to_publish, total_seconds, command_label, status_label from marts.data_runs order by run_id',
    );
    return reader.getRows();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

describe('run durations', () => {
  it('are the same seconds to publish on the published Data page and in status, with the total apart', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'run-durations-'));
    const shopDir = join(dataDir, 'shop');
    await generateShop({ shopTimeZone, members: 300, days: 400, endDate: '2026-11-20', seed: 7, outDir: shopDir });
    deliver(dataDir, shopDir);
    // The audiences are exported after the marts are copied: the run goes on after its time to publish.
    expectSucceeded(runCli(['refresh', '--no-site', '--audiences'], dataDir));

    const [run] = await publishedRuns(dataDir);
    expect(run![0]).toBe(1n);
    expect(run![1]).toBe('succeeded');
    const toPublish = Number(run![2]);
    expect(toPublish).toBeGreaterThan(0);
    // Copied while the run was still going: its total is not known to the page.
    expect(run![3]).toBeNull();
    expect(run!.slice(4)).toEqual(['刷新 refresh', '成功 succeeded']);

    const status = runCli(['status'], dataDir);
    expect(status.status).toBe(0);
    const lines = status.stdout.split('\n');
    const header = lines.findIndex((line) => line.startsWith('run_id'));
    expect(lines[header]!.split(/\s{2,}/).slice(0, 6)).toEqual([
      'run_id',
      'command',
      'status',
      'started_at',
      'seconds_to_publish',
      'total_seconds',
    ]);
    const cells = lines[header + 2]!.split(/\s{2,}/);
    expect(cells.slice(0, 3)).toEqual(['1', 'refresh', 'succeeded']);
    expect(Number(cells[4])).toBe(Math.round(toPublish * 10) / 10);
    expect(Number(cells[5])).toBeGreaterThanOrEqual(Number(cells[4]));
  }, 240_000);
});
