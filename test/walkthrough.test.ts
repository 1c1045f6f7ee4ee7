import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { generateShop } from '../pipelines/generate/generate-shop.js';
import { martTables } from '../pipelines/publish/site-workspace.js';
import { expectSucceeded } from './helpers/refresh-state.js';
import { shopTimeZone } from './helpers/repo-seeds.js';
import { runCli, spawnCli } from './helpers/run-cli.js';
import { repoDir } from './helpers/temp-project.js';

// docs/models.md, "Your first mart on a page": its steps, with its own files, on a copy of the
// project. Step 1 (npm start) is a refresh of a smaller generated shop, without the site.
const guide = readFileSync(join(repoDir, 'docs/models.md'), 'utf8');
const walkthrough = guide.slice(
  guide.indexOf('## Your first mart on a page'),
  guide.indexOf('\n## ', guide.indexOf('## Your first mart on a page') + 1),
);

/** The files the walkthrough says to save, by path, as written there (list indentation removed). */
function filesToSave(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [, path, indent, fence, body] of walkthrough.matchAll(/Save as `([^`]+)`:\n\n( *)(`{3,})\w*\n([\s\S]*?)\n\2\3\n/g)) {
    files.set(path!, `${body!.replace(new RegExp(`^${indent}`, 'gm'), '')}\n`);
    expect(fence!.length).toBeGreaterThanOrEqual(3);
  }
  return files;
}

function copyProject(): string {
  const project = mkdtempSync(join(tmpdir(), 'walkthrough-'));
  for (const folder of ['models', 'seeds']) cpSync(join(repoDir, folder), join(project, folder), { recursive: true });
  cpSync(join(repoDir, 'reports'), join(project, 'reports'), {
    recursive: true,
    filter: (path) => !/\/reports\/(node_modules|\.evidence|build)(\/|$)/.test(path),
  });
  symlinkSync(join(repoDir, 'node_modules'), join(project, 'node_modules'));
  symlinkSync(join(repoDir, 'reports/node_modules'), join(project, 'reports/node_modules'));
  return project;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function martRows(file: string): Promise<string[][]> {
  const instance = await DuckDBInstance.create(file, { access_mode: 'READ_ONLY' });
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(
      'select province, buyers::varchar from marts.top_provinces order by buyers desc, province',
    );
    return reader.getRows().map((row) => row.map(String));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

// The rows of the page's table as it shows them: province and buyers.
const tableRows = (page: Page) =>
  page.evaluate(() =>
    [...(document.querySelector('table')?.querySelectorAll('tr') ?? [])].flatMap((row) => {
      const cells = [...row.querySelectorAll('td')].map((cell) => (cell.textContent ?? '').trim());
      return cells.length > 0 ? [cells.slice(0, 2)] : [];
    }),
  );

let dev: ChildProcessWithoutNullStreams | undefined;
let browser: Browser | undefined;
afterAll(async () => {
  await browser?.close();
  if (dev?.pid) process.kill(dev.pid, 'SIGTERM');
});

describe('the walkthrough of docs/models.md', () => {
  it('puts a new mart on a new page with npm run dev, shows each save, and a failed build with its file and line', async () => {
    const files = filesToSave();
    expect([...files.keys()]).toEqual(['models/marts/top_provinces.sql', 'reports/pages/provinces.md']);
    expect(walkthrough).toMatch(/^1\. .*\n[\s\S]*^6\. /m);
    expect(walkthrough).not.toMatch(/^7\. /m);

    const project = copyProject();
    const dataDir = join(project, 'data');
    await generateShop({ shopTimeZone, members: 1500, days: 400, endDate: '2026-11-20', seed: 5, outDir: join(dataDir, 'inbox') });
    expectSucceeded(runCli(['refresh', '--no-site'], dataDir, {}, { cwd: project }));

    const port = await freePort();
    dev = spawnCli(['dev', '--port', String(port)], dataDir, {}, project);
    let terminal = '';
    dev.stderr.on('data', (chunk) => (terminal += chunk));
    dev.stdout.on('data', (chunk) => (terminal += chunk));
    const waitFor = async (pattern: RegExp, seconds: number) => {
      const deadline = Date.now() + seconds * 1000;
      while (!pattern.test(terminal)) {
        if (Date.now() > deadline || dev!.exitCode !== null) throw new Error(`dev did not print ${pattern}:\n${terminal.slice(-3000)}`);
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    };
    await waitFor(/ready in/, 180);

    const save = (path: string, text: string) => {
      mkdirSync(dirname(join(project, path)), { recursive: true });
      writeFileSync(join(project, path), text);
    };
    const model = files.get('models/marts/top_provinces.sql')!;
    save('models/marts/top_provinces.sql', model);
    await waitFor(/dev: built in [\d.]+s; extracting .*\btop_provinces\b/, 120);
    save('reports/pages/provinces.md', files.get('reports/pages/provinces.md')!);

    // The dev server serves a page only once it has seen the file: opened earlier, a busy machine's
    // first load can be the not-found page, which no later save replaces.
    await expect
      .poll(async () => (await fetch(`http://localhost:${port}/provinces`).catch(() => undefined))?.status, { timeout: 120_000 })
      .toBe(200);
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
    const page = await browser.newPage();
    await page.goto(`http://localhost:${port}/provinces`, { waitUntil: 'networkidle', timeout: 180_000 });
    const published = await martRows(join(dataDir, 'dev/warehouse_marts.duckdb'));
    expect(published).toHaveLength(5);
    const shown = (rows: string[][]) => rows.map(([province, buyers]) => [province, Number(buyers).toLocaleString('en-US')]);
    await expect.poll(() => tableRows(page), { timeout: 120_000 }).toEqual(shown(published));
    // Never the published file, never the audiences: those are a refresh's.
    expect(await martTables(join(dataDir, 'published/warehouse_marts.duckdb'))).not.toContain('top_provinces');
    expect(existsSync(join(dataDir, 'audiences'))).toBe(false);

    // A save shows on the open page, without a reload.
    const saved = Date.now();
    save('models/marts/top_provinces.sql', model.replace('limit 5', 'limit 3'));
    await expect.poll(() => tableRows(page), { timeout: 120_000 }).toEqual(shown(published.slice(0, 3)));
    console.log(`walkthrough: a saved model on the open page in ${((Date.now() - saved) / 1000).toFixed(1)} s`);

    // A model that does not parse: its file and line, in the terminal and above the page.
    save('models/marts/top_provinces.sql', model.replace('\nwith\n', '\nwiht\n'));
    const line = model.split('\n').indexOf('with') + 1;
    await waitFor(/dev: the build failed/, 120);
    expect(terminal).toContain(`models/marts/top_provinces.sql:${line}: SQL does not parse`);
    const banner = () =>
      page
        .locator('.dev-build-error')
        .textContent({ timeout: 1000 })
        .catch(() => '');
    await expect.poll(banner, { timeout: 120_000 }).toContain(`models/marts/top_provinces.sql:${line}: SQL does not parse`);
    expect(await tableRows(page)).toEqual(shown(published.slice(0, 3)));
    save('models/marts/top_provinces.sql', model);
    await expect.poll(() => page.$('.dev-build-error'), { timeout: 120_000 }).toBeNull();
  }, 600_000);
});
