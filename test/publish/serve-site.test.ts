import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { type IncomingHttpHeaders, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type WarehouseConfig } from '../../pipelines/config.js';
import { publishSite, siteDir } from '../../pipelines/publish/build-site.js';
import { serveSite } from '../../pipelines/publish/serve-site.js';
import { runCli, spawnCli } from '../helpers/run-cli.js';

// A site as `evidence build` lays it out: pages, bundles, the data manifest, and each query's
// parquet in a folder named after its md5.
const hashA = '0cc175b9c0f1b6a831c399e269772661';
const hashB = '92eb5ffee6ae2fec3ad71c777531578f';
const hashC = '4a8a08f09d37b73795649038408b5f33';
const kpis = (hash: string) => `/data/marts/kpi_overview/${hash}/kpi_overview.parquet`;

function site(name: string, hash: string): Record<string, string> {
  return {
    '/index.html': `<h1>Site ${name}</h1>`,
    '/members.html': `<h1>Members ${name}</h1>`,
    '/campaigns/index.html': `<h1>Campaigns ${name}</h1>`,
    '/_app/immutable/entry/app.js': `console.log('${name}')`,
    '/data/manifest.json': `{"renderedFiles":{"marts":["static${kpis(hash)}"]}}`,
    '/data/marts/kpi_overview/kpi_overview.schema.json': '{"buyers":"number"}',
    [kpis(hash)]: `PAR1 kpi_overview of site ${name} PAR1`,
  };
}

function tempData(): WarehouseConfig {
  const folder = mkdtempSync(join(tmpdir(), 'serve-'));
  return loadConfig({ WAREHOUSE_DATA_DIR: join(folder, 'data') }, folder);
}

/** Writes a site under data/sites/ and swaps it in as a refresh does. */
function publish(config: WarehouseConfig, name: string, files: Record<string, string | Buffer>): string {
  const dir = join(config.dataDir, 'sites', `site-${name}`);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  publishSite(config, dir);
  return dir;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

function read(response: IncomingMessage): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('error', reject);
    response.on('end', () => resolve({ status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks).toString() }));
  });
}

/** The response as soon as its headers are in, its body not yet read. The path goes out as written, `..` and all. */
function send(port: number, path: string, headers: Record<string, string> = {}, host = '127.0.0.1'): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request({ host, port, path, headers, agent: false }, resolve).on('error', reject).end();
  });
}

const get = async (port: number, path: string, headers: Record<string, string> = {}, host = '127.0.0.1') =>
  read(await send(port, path, headers, host));

let server: Server | undefined;
let cli: ChildProcessWithoutNullStreams | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
  cli?.kill();
  cli = undefined;
});

async function served(config: WarehouseConfig, access: { host?: string; token?: string } = {}): Promise<number> {
  server = await serveSite(siteDir(config), 0, access);
  return (server.address() as AddressInfo).port;
}

async function expectServed(port: number, files: Record<string, string>) {
  for (const [path, content] of Object.entries(files)) {
    expect(await get(port, path), path).toMatchObject({ status: 200, body: content });
  }
}

describe('serve follows refreshes', () => {
  it('answers every file of the site published last, after two refreshes, and 404 for those of the one before', async () => {
    const config = tempData();
    publish(config, 'a', site('A', hashA));
    const port = await served(config);
    await expectServed(port, site('A', hashA));
    expect(await get(port, '/members')).toMatchObject({ status: 200, body: '<h1>Members A</h1>' });
    expect(await get(port, '/campaigns')).toMatchObject({ status: 200, body: '<h1>Campaigns A</h1>' });

    publish(config, 'b', site('B', hashB));
    await expectServed(port, site('B', hashB));
    expect((await get(port, kpis(hashA))).status).toBe(404);

    publish(config, 'c', site('C', hashC));
    await expectServed(port, site('C', hashC));
    expect((await get(port, kpis(hashB))).status).toBe(404);
    expect(await get(port, '/')).toMatchObject({ status: 200, body: '<h1>Site C</h1>' });
  });

  it('answers 404 for a file deleted while serving, and goes on serving', async () => {
    const config = tempData();
    const dir = publish(config, 'a', site('A', hashA));
    const port = await served(config);
    rmSync(join(dir, kpis(hashA)));
    expect((await get(port, kpis(hashA))).status).toBe(404);
    rmSync(join(dir, 'data'), { recursive: true });
    expect((await get(port, '/data/manifest.json')).status).toBe(404);
    expect(await get(port, '/')).toMatchObject({ status: 200, body: '<h1>Site A</h1>' });
  });

  it('finishes a download begun before a refresh deleted its file', async () => {
    const config = tempData();
    // 8 MB: more than the socket takes before the reader reads.
    const big = Buffer.alloc(8 * 1024 * 1024, 'abcdefgh');
    publish(config, 'a', { ...site('A', hashA), [kpis(hashA)]: big });
    const port = await served(config);
    const response = await send(port, kpis(hashA));
    publish(config, 'b', site('B', hashB));
    const answer = await read(response);
    expect(answer.status).toBe(200);
    expect(answer.body.length).toBe(8 * 1024 * 1024);
    expect(answer.body).toBe(big.toString());
    expect((await get(port, kpis(hashA))).status).toBe(404);
  });

  it('answers byte ranges, as the browser reads parquet', async () => {
    const config = tempData();
    publish(config, 'a', site('A', hashA));
    const port = await served(config);
    // 'PAR1 kpi_overview of site A PAR1' is 32 bytes.
    const path = kpis(hashA);
    expect(await get(port, path, { Range: 'bytes=5-16' })).toMatchObject({
      status: 206,
      body: 'kpi_overview',
      headers: { 'content-range': 'bytes 5-16/32', 'content-length': '12' },
    });
    expect(await get(port, path, { Range: 'bytes=0-0' })).toMatchObject({ status: 206, body: 'P' });
    expect(await get(port, path, { Range: 'bytes=-4' })).toMatchObject({
      status: 206,
      body: 'PAR1',
      headers: { 'content-range': 'bytes 28-31/32' },
    });
    expect(await get(port, path, { Range: 'bytes=26-' })).toMatchObject({ status: 206, body: 'A PAR1' });
    expect(await get(port, path, { Range: 'bytes=40-' })).toMatchObject({ status: 416, headers: { 'content-range': 'bytes */32' } });
  });

  it('lets browsers keep data files, which never change at their path, and check pages each time', async () => {
    const config = tempData();
    publish(config, 'a', site('A', hashA));
    const port = await served(config);
    const cacheControl = async (path: string) => (await get(port, path)).headers['cache-control'];
    expect(await cacheControl(kpis(hashA))).toBe('private, max-age=31536000, immutable');
    expect(await cacheControl('/_app/immutable/entry/app.js')).toBe('private, max-age=31536000, immutable');
    for (const page of ['/', '/members', '/index.html', '/data/manifest.json', '/data/marts/kpi_overview/kpi_overview.schema.json']) {
      expect(await cacheControl(page), page).toBe('no-cache');
    }
  });

  it('serves nothing from outside the site', async () => {
    const config = tempData();
    const dir = publish(config, 'a', site('A', hashA));
    mkdirSync(join(config.dataDir, 'private'));
    writeFileSync(join(config.dataDir, 'private/salt.txt'), 'SALT-SECRET');
    symlinkSync('../../private/salt.txt', join(dir, 'leak.txt'));
    symlinkSync(join(config.dataDir, 'private'), join(dir, 'data/outside'));
    const port = await served(config);
    // data/sites/site-a/../../private/salt.txt is data/private/salt.txt.
    for (const path of [
      '/../../private/salt.txt',
      '/%2e%2e/%2e%2e/private/salt.txt',
      '/..%2f..%2fprivate%2fsalt.txt',
      '/data/..%2f..%2f..%2fprivate/salt.txt',
      '/leak.txt',
      '/data/outside/salt.txt',
    ]) {
      const answer = await get(port, path);
      expect(answer.status, path).toBe(404);
      expect(answer.body, path).not.toContain('SECRET');
    }
  });
});

describe('serving to the LAN', () => {
  const token = 'correct-horse-battery-staple';

  it('with --host, answers only requests that carry the token: ?token= (then its cookie) or a bearer token', async () => {
    const config = tempData();
    publish(config, 'a', site('A', hashA));
    const port = await served(config, { host: '127.0.0.1', token });
    const refused: Array<Record<string, string>> = [
      {},
      { Authorization: 'Bearer wrong-horse-battery-staple' },
      { Cookie: 'site_token=wrong-horse-battery-staple' },
    ];
    for (const headers of refused) {
      const answer = await get(port, kpis(hashA), headers);
      expect(answer.status).toBe(401);
      expect(answer.body).not.toContain('kpi_overview of site A');
    }
    expect((await get(port, '/?token=wrong-horse-battery-staple')).status).toBe(401);

    const first = await get(port, `/?token=${token}`);
    expect(first).toMatchObject({ status: 200, body: '<h1>Site A</h1>' });
    expect(first.headers['set-cookie']).toEqual([`site_token=${token}; HttpOnly; SameSite=Strict; Path=/`]);
    expect(await get(port, kpis(hashA), { Cookie: `theme=dark; site_token=${token}` })).toMatchObject({
      status: 200,
      body: 'PAR1 kpi_overview of site A PAR1',
    });
    expect(await get(port, kpis(hashA), { Authorization: `Bearer ${token}` })).toMatchObject({ status: 200 });
  });

  it('serve --host prints a random token and refuses requests without it', async () => {
    const config = tempData();
    publish(config, 'a', site('A', hashA));
    cli = spawnCli(['serve', '--host', '127.0.0.2', '--port', '0'], config.dataDir);
    const [, port, printed] = (await servingLine(cli)).match(/at http:\/\/127\.0\.0\.2:(\d+)\/\?token=([\w-]{32}) /) ?? [];
    expect(printed).toBeDefined();
    expect((await get(Number(port), '/', {}, '127.0.0.2')).status).toBe(401);
    expect(await get(Number(port), `/?token=${printed}`, {}, '127.0.0.2')).toMatchObject({ status: 200, body: '<h1>Site A</h1>' });
  });

  it('serve without --host listens on 127.0.0.1 alone and needs no token', async () => {
    const config = tempData();
    publish(config, 'a', site('A', hashA));
    cli = spawnCli(['serve', '--port', '0'], config.dataDir);
    const [, port] = (await servingLine(cli)).match(/at http:\/\/127\.0\.0\.1:(\d+)\/ \(Ctrl-C to stop\)/) ?? [];
    expect(await get(Number(port), '/')).toMatchObject({ status: 200, body: '<h1>Site A</h1>' });
    await expect(get(Number(port), '/', {}, '127.0.0.2')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('serve refuses a token short enough to guess', () => {
    const result = runCli(['serve', '--host', '127.0.0.2', '--token', 'hunter2'], tempData().dataDir);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(
      'error: --token (or WAREHOUSE_SERVE_TOKEN) is shorter than 16 characters: set a longer one, or leave it out for a random one\n',
    );
  });
});

/** The line in which a started `serve` says where it serves. */
function servingLine(child: ChildProcessWithoutNullStreams): Promise<string> {
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const line = stderr
        .split('\n')
        .slice(0, -1)
        .find((candidate) => candidate.startsWith('serving '));
      if (line) resolve(line);
    });
    child.on('close', (status) => reject(new Error(`serve ended (${status}) before serving: ${stderr}`)));
  });
}
