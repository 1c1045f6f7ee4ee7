import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { type FileHandle, open, realpath } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { lookup } from 'mrmime';

export interface SiteAccess {
  /** The address to listen on: 127.0.0.1 unless given. */
  host?: string;
  /**
   * When set, every request must carry it: as `?token=` (which also sets a cookie, so that the
   * site's own requests for its data files carry it), that cookie, or `Authorization: Bearer`.
   */
  token?: string;
}

/**
 * Serves the site that `siteLink` (`data/site`, the symlink each refresh swaps) points to at the
 * moment of each request, so that readers move to a new site as soon as it is published. Answers
 * byte ranges: the browser reads the site's parquet files in parts.
 */
export function serveSite(siteLink: string, port: number, access: SiteAccess = {}): Promise<Server> {
  if (!existsSync(join(siteLink, 'index.html')))
    throw new Error(`no site in ${siteLink}: build one first (npm start, or npm run warehouse -- refresh)`);
  const allowed = access.token === undefined ? () => true : tokenCheck(access.token);
  const server = createServer((request, response) =>
    answer(siteLink, allowed, request, response).catch(() => {
      if (response.headersSent) response.destroy();
      else reply(response, 500, 'the file could not be read');
    }),
  );
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, access.host ?? '127.0.0.1', () => resolve(server));
  });
}

/** A token for `SiteAccess.token` that nobody can guess. */
export function randomToken(): string {
  return randomBytes(24).toString('base64url');
}

type Allowed = (request: IncomingMessage, query: URLSearchParams, response: ServerResponse) => boolean;

// Evidence puts each query's parquet in a folder named after the file's md5, and SvelteKit its
// bundles under _app/immutable/: what such a path holds never changes.
const unchangingPath = /^\/data\/.+\/[0-9a-f]{32}\/[^/]+$|^\/_app\/immutable\//;

async function answer(siteLink: string, allowed: Allowed, request: IncomingMessage, response: ServerResponse) {
  const url = request.url ?? '/';
  const queryAt = url.includes('?') ? url.indexOf('?') : url.length;
  if (!allowed(request, new URLSearchParams(url.slice(queryAt + 1)), response)) {
    response.setHeader('WWW-Authenticate', 'Bearer');
    return reply(response, 401, 'this site needs its access token: open the address serve printed, with its ?token=');
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('Allow', 'GET, HEAD');
    return reply(response, 405, 'only GET and HEAD');
  }
  const found = await openSiteFile(siteLink, url.slice(0, queryAt)).catch(() => undefined);
  if (!found) return reply(response, 404, 'not found');
  const { file, size, name } = found;
  try {
    const range = byteRange(request.headers.range, size);
    if (range === 'unsatisfiable') {
      response.setHeader('Content-Range', `bytes */${size}`);
      return reply(response, 416, 'range not satisfiable');
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    response.writeHead(range ? 206 : 200, {
      'Content-Type': contentType(name),
      'Content-Length': end - start + 1,
      'Accept-Ranges': 'bytes',
      'Cache-Control': unchangingPath.test(name) ? 'private, max-age=31536000, immutable' : 'no-cache',
      ...(range && { 'Content-Range': `bytes ${start}-${end}/${size}` }),
    });
    if (request.method === 'HEAD' || end < start) return response.end();
    // The file is open: a refresh that deletes it now does not cut this answer short. A reader
    // that goes away mid-file is no error.
    await pipeline(file.createReadStream({ start, end, autoClose: false }), response).catch(() => response.destroy());
  } finally {
    await file.close();
  }
}

/**
 * Opens the file of the current site that a request path names (`/members` is members.html or
 * members/index.html). None for a file that does not exist (any more), nor for any path that leads
 * out of the site: `..`, dot files, symlinks to elsewhere.
 */
async function openSiteFile(siteLink: string, path: string): Promise<{ file: FileHandle; size: number; name: string } | undefined> {
  const segments = decodedPath(path)?.split('/').filter(Boolean);
  if (!segments || segments.some((segment) => segment.startsWith('.'))) return undefined;
  const root = await realpath(siteLink);
  const base = join(root, ...segments);
  for (const candidate of [base, `${base}.html`, join(base, 'index.html')]) {
    const real = await realpath(candidate).catch(() => undefined);
    if (!real?.startsWith(`${root}${sep}`)) continue;
    const file = await open(real).catch(() => undefined);
    const stats = await file?.stat();
    if (file && stats?.isFile()) return { file, size: stats.size, name: `/${relative(root, real)}` };
    await file?.close();
  }
  return undefined;
}

function decodedPath(path: string): string | undefined {
  try {
    return decodeURIComponent(path);
  } catch {
    return undefined;
  }
}

/** The one byte range a Range header asks for; none for the whole file (no header, or several ranges). */
function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const [, first = '', last = ''] = header?.match(/^bytes=(\d*)-(\d*)$/) ?? [];
  if (first === '' && last === '') return undefined;
  const start = first === '' ? Math.max(size - Number(last), 0) : Number(first);
  const end = first === '' || last === '' ? size - 1 : Math.min(Number(last), size - 1);
  return start <= end ? { start, end } : 'unsatisfiable';
}

function contentType(name: string): string {
  const type = lookup(name) ?? 'application/octet-stream';
  return type.startsWith('text/') ? `${type}; charset=utf-8` : type;
}

// Both sides are hashed first, so that the comparison takes as long whatever was sent.
function tokenCheck(token: string): Allowed {
  const cookieValue = encodeURIComponent(token);
  const digest = (value: string) => createHash('sha256').update(value).digest();
  const same = (given: string | null | undefined, expected: string) =>
    typeof given === 'string' && timingSafeEqual(digest(given), digest(expected));
  return (request, query, response) => {
    if (same(query.get('token'), token)) {
      response.setHeader('Set-Cookie', `site_token=${cookieValue}; HttpOnly; SameSite=Strict; Path=/`);
      return true;
    }
    const cookie = request.headers.cookie?.match(/(?:^|;\s*)site_token=([^;]*)/)?.[1];
    return same(request.headers.authorization?.match(/^Bearer (.+)$/i)?.[1], token) || same(cookie, cookieValue);
  };
}

function reply(response: ServerResponse, status: number, message: string) {
  response.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  response.end(`${message}\n`);
}
