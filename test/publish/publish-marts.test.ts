import { cpSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WarehouseConfig } from '../../pipelines/config.js';
import { shopInTwoDeliveries } from '../../pipelines/generate/shop-in-two-deliveries.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { fileHash, publishedDigest, publishedPath, warehouseDigest } from '../helpers/refresh-state.js';
import { shopTimeZone } from '../helpers/repo-seeds.js';
import { runRefresh } from '../helpers/run-refresh.js';
import { repoDir, tempProject } from '../helpers/temp-project.js';

// Refreshes run in process, as the CLI runs them, on copies of the project with data folders of
// their own; the published file is read and, to tell a kept mart from a copied one, written.

/** A copy of the repository's project, with a data folder of its own. */
function projectCopy(): WarehouseConfig {
  const config = tempProject({});
  cpSync(join(repoDir, 'models'), config.modelsDir, { recursive: true });
  return config;
}

/** A refresh of `inputs` (no site, no audiences); its log lines. */
async function refreshed(config: WarehouseConfig, inputs: string[]): Promise<string[]> {
  const lines: string[] = [];
  const warehouse = await openWarehouse(config);
  try {
    await runRefresh(warehouse, { inputs, log: (line) => lines.push(line) });
  } finally {
    await warehouse.close();
  }
  return lines;
}

/** How many marts the refresh's staging replaced, of how many, as its log line says. */
function staged(lines: string[]): { replaced: number; total: number } {
  const match = lines.map((line) => /^marts staged for publishing: (\d+) of (\d+) replaced, (\d+) unchanged/.exec(line)).find(Boolean);
  expect(match).toBeDefined();
  const [, replaced, total, unchanged] = match!.map(Number);
  expect(replaced! + unchanged!).toBe(total);
  return { replaced: replaced!, total: total! };
}

async function withPublished<T>(config: WarehouseConfig, work: (run: (query: string) => Promise<unknown[][]>) => Promise<T>): Promise<T> {
  const instance = await DuckDBInstance.create(publishedPath(config.dataDir));
  const connection = await instance.connect();
  try {
    return await work(async (query) => (await connection.runAndReadAll(query)).getRows());
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

const recordedStates = (config: WarehouseConfig) =>
  withPublished(
    config,
    async (run) =>
      new Map((await run('select mart, state from _published.mart_states')).map(([mart, state]) => [String(mart), String(state)])),
  );

// One row fewer in the published copy of a mart.
const tamper = (config: WarehouseConfig, mart: string) =>
  withPublished(config, (run) => run(`delete from marts.${mart} where rowid = (select min(rowid) from marts.${mart})`));

const martFiles = (config: WarehouseConfig) => readdirSync(join(config.modelsDir, 'marts')).filter((name) => name.endsWith('.sql'));
const martCount = (config: WarehouseConfig) => martFiles(config).length;
// The Data page's marts, views over the run log.
const dataMarts = (config: WarehouseConfig) => martFiles(config).filter((name) => name.startsWith('data_')).length;

describe('publishing what changed', () => {
  let shop: Awaited<ReturnType<typeof shopInTwoDeliveries>>;
  /** Both deliveries refreshed in one go, into a new published file. */
  let reference: Record<string, string>;
  const project = projectCopy();

  beforeAll(async () => {
    shop = await shopInTwoDeliveries(join(project.dataDir, 'shop'), 200, 5, { shopTimeZone, days: 200 });
    const whole = projectCopy();
    expect(staged(await refreshed(whole, [shop.before, shop.last]))).toEqual({ replaced: martCount(whole), total: martCount(whole) });
    reference = await publishedDigest(whole.dataDir);
  });

  it("publishes after a day's refresh what a full refresh of both deliveries publishes", async () => {
    const total = martCount(project);
    // No published file yet (or one deleted): the whole file is written, with no doubt to report.
    const first = await refreshed(project, [shop.before]);
    expect(staged(first)).toEqual({ replaced: total, total });
    expect(first.join('\n')).not.toMatch(/written whole/);
    const before = await recordedStates(project);
    // The run log's views have no state; every table mart has one.
    expect(before.size).toBe(total - dataMarts(project));

    const lines = await refreshed(project, [shop.last]);
    const after = await recordedStates(project);
    const unchanged = [...after.keys()].filter((mart) => before.get(mart) === after.get(mart));
    // The ladders are over seeds alone, which a day of orders does not change; the monthly figures read the orders.
    expect(unchanged).toContain('reference_ladders');
    expect(unchanged).not.toContain('kpi_monthly');
    // Written whole when the marts kept would hold too little of the file (publish-marts.ts), else
    // in a copy: either way the log says how many marts changed.
    const whole = lines.filter((line) => line.startsWith('published marts written whole'));
    if (whole.length > 0) {
      expect(whole).toEqual([
        `published marts written whole: ${total - unchanged.length} of ${total} marts changed since published, too many for a copy to pay`,
      ]);
      expect(staged(lines)).toEqual({ replaced: total, total });
    } else expect(staged(lines)).toEqual({ replaced: total - unchanged.length, total });
    expect(await publishedDigest(project.dataDir)).toEqual(reference);
  });

  it('replaces in a copy of the published file only the marts whose state changed, and drops a mart no longer in the project', async () => {
    // A mart copied from the build again would get the row back, a kept one does not.
    await tamper(project, 'reference_ladders');
    const tampered = (await publishedDigest(project.dataDir))['marts.reference_ladders']!;
    expect(tampered).not.toBe(reference['marts.reference_ladders']);
    const before = await recordedStates(project);
    const purchaseHours = join(project.modelsDir, 'marts/purchase_hours.sql');
    const targets = join(project.seedsDir, 'targets.csv');
    const texts = { purchaseHours: readFileSync(purchaseHours, 'utf8'), targets: readFileSync(targets, 'utf8') };
    rmSync(purchaseHours);
    // A revenue target: kpi_targets, which alone reads them, gets a row.
    writeFileSync(targets, `${texts.targets.trimEnd()}\n2026-11-01,revenue,100000\n`);
    const lines = await refreshed(project, []);
    writeFileSync(purchaseHours, texts.purchaseHours);
    writeFileSync(targets, texts.targets);

    const after = await recordedStates(project);
    const changed = [...after.keys()].filter((mart) => before.get(mart) !== after.get(mart));
    expect(changed).toContain('kpi_targets');
    expect(changed).not.toContain('reference_ladders');
    // No file loaded: the marts over the run log (the Data page's views) and those the target changed.
    const total = martCount(project) - 1;
    expect(staged(lines)).toEqual({ replaced: dataMarts(project) + changed.length, total });
    expect(lines.join('\n')).not.toMatch(/written whole/);
    const { 'marts.purchase_hours': _gone, ...built } = await warehouseDigest(project.dataDir);
    expect(built['marts.kpi_targets']).not.toBe(reference['marts.kpi_targets']);
    expect(await publishedDigest(project.dataDir)).toEqual({ ...built, 'marts.reference_ladders': tampered });
  });
});

// A project of two marts (and what the refresh's freshness check reads): one over a seed, one of hints.
function smallProject(hint: string): WarehouseConfig {
  return tempProject({
    models: {
      'staging/stg_orders.sql': `-- Orders.\n-- grain: order_id\nselect 'o1' as order_id, timestamp '2026-11-20 10:00:00' as created_at,
        timestamp '2026-11-20 10:00:00' as purchased_at, true as is_purchase`,
      'intermediate/int_newest_order.sql': readFileSync(join(repoDir, 'models/intermediate/int_newest_order.sql'), 'utf8'),
      'marts/member_hints.sql': hints(hint),
      'marts/levels.sql': '-- Levels.\n-- grain: level\nselect * from seeds.member_levels',
    },
    seeds: { 'publish_guards.csv': 'mart,figure,unit,max_fall,max_rise,description\n' },
  });
}

const hints = (hint: string) => `-- Hints.\n-- grain: hint\nselect ${hint} as hint`;

describe('publishing into a copy of the published file', () => {
  it('refuses the member salt in a mart it replaces, and the published file stands', async () => {
    const config = smallProject("'no key here'");
    expect(staged(await refreshed(config, []))).toEqual({ replaced: 2, total: 2 });
    const published = fileHash(publishedPath(config.dataDir));
    writeFileSync(join(config.modelsDir, 'marts/member_hints.sql'), hints("'key: ' || getvariable('member_salt') || '.'"));
    await expect(refreshed(config, [])).rejects.toThrow(
      /^models\/marts\/member_hints\.sql: marts\.member_hints\.hint holds the member salt, which is never published/,
    );
    expect(fileHash(publishedPath(config.dataDir))).toBe(published);
    expect(existsSync(join(config.dataDir, 'published/next'))).toBe(false);
  });

  it('writes the whole file again when the published one is corrupted', async () => {
    const config = smallProject("'a hint'");
    staged(await refreshed(config, []));
    writeFileSync(publishedPath(config.dataDir), Buffer.alloc(1 << 16, 'not a database '));
    writeFileSync(join(config.modelsDir, 'marts/member_hints.sql'), hints("'another hint'"));
    const lines = await refreshed(config, []);
    expect(lines.join('\n')).toMatch(
      /published marts written whole: .*warehouse_marts\.duckdb is not a publication to build on: it could not be opened/,
    );
    expect(staged(lines)).toEqual({ replaced: 2, total: 2 });
    expect(await publishedDigest(config.dataDir)).toEqual(await warehouseDigest(config.dataDir));
  });

  it('writes the whole file again when the published one records no states (as before they were), or is in a later storage version', async () => {
    const config = smallProject("'a hint'");
    staged(await refreshed(config, []));
    await withPublished(config, (run) => run('drop schema _published cascade'));
    writeFileSync(join(config.modelsDir, 'marts/member_hints.sql'), hints("'another hint'"));
    const unrecorded = await refreshed(config, []);
    expect(unrecorded).toContain(
      `published marts written whole: ${publishedPath(config.dataDir)} is not a publication to build on: it records no state of its marts`,
    );
    expect(staged(unrecorded)).toEqual({ replaced: 2, total: 2 });
    expect(await publishedDigest(config.dataDir)).toEqual(await warehouseDigest(config.dataDir));

    // The same marts in a file Evidence's DuckDB (1.4) could not read.
    const later = join(config.dataDir, 'later.duckdb');
    await withPublished(config, (run) =>
      run(`attach '${later}' as later (storage_version 'v1.2.0'); copy from database warehouse_marts to later; detach later`),
    );
    cpSync(later, publishedPath(config.dataDir));
    writeFileSync(join(config.modelsDir, 'marts/member_hints.sql'), hints("'a third hint'"));
    const newer = await refreshed(config, []);
    expect(newer).toContain(
      `published marts written whole: ${publishedPath(config.dataDir)} is not a publication to build on: it is in storage version v1.2.0+, not v1.0.0`,
    );
    expect(await publishedDigest(config.dataDir)).toEqual(await warehouseDigest(config.dataDir));
  });

  it('writes the whole file again once the copy has grown past twice what its marts take', async () => {
    const config = smallProject("'a hint'");
    staged(await refreshed(config, []));
    // A table that is no mart of the build, before a kept mart's blocks: dropped from the copy, its
    // blocks stay in the file (free blocks at its end are cut off).
    await withPublished(config, async (run) => {
      await run('create table marts.filler as select random() as x from range(2000000); checkpoint');
      await run('create or replace table marts.levels as from marts.levels');
    });
    const grown = statSync(publishedPath(config.dataDir)).size;
    writeFileSync(join(config.modelsDir, 'marts/member_hints.sql'), hints("'another hint'"));
    const lines = await refreshed(config, []);
    expect(lines.join('\n')).toMatch(
      /published marts written whole: the copy of .*warehouse_marts\.duckdb had grown past twice the size of its marts/,
    );
    expect(staged(lines)).toEqual({ replaced: 2, total: 2 });
    expect(Object.keys(await publishedDigest(config.dataDir))).toEqual(['marts.levels', 'marts.member_hints']);
    expect(statSync(publishedPath(config.dataDir)).size).toBeLessThan(grown / 4);
  });
});
