import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { startPostgres } from './postgres-server.js';

// psql, as the project has no PostgreSQL client package; -X skips a ~/.psqlrc.
const psql = (url: string, sql: string) => execFileSync('psql', ['-X', url, '-Atc', sql], { encoding: 'utf8', stdio: 'pipe' }).trim();

describe('startPostgres', () => {
  it('starts a throw-away cluster with C collation, and stop() removes it', async () => {
    const server = await startPostgres();
    const port = new URL(server.url).port;
    // The folder is the server's unix socket directory (postgresql.conf names it).
    const folder = psql(server.url, 'show unix_socket_directories');
    try {
      expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/);
      expect(psql(server.url, 'select 1')).toBe('1');
      // From pg_database, not `show lc_collate`: PostgreSQL 16 dropped that setting.
      expect(psql(server.url, 'select datcollate, datctype from pg_database where datname = current_database()')).toBe('C|C');
      // What C collation is for: text sorts by bytes, upper case before lower, as in DuckDB.
      expect(psql(server.url, "select string_agg(s, ',' order by s) from (values ('b'), ('B'), ('a'), ('_')) as t(s)")).toBe('B,_,a,b');
      expect(psql(server.url, 'show listen_addresses')).toBe('127.0.0.1');
      expect(psql(server.url, 'show fsync')).toBe('off');
      expect(existsSync(folder)).toBe(true);
    } finally {
      await server.stop();
    }
    expect(existsSync(folder)).toBe(false);
    expect(() => psql(`postgres://postgres@127.0.0.1:${port}/postgres`, 'select 1')).toThrow();
  });
});
