import { execFile } from 'node:child_process';
import { accessSync, chmodSync, chownSync, constants, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PostgresServer {
  /** postgres://postgres@127.0.0.1:<port>/postgres: trust authentication, no password. */
  url: string;
  /** Stops the server (fast: open sessions are cut) and removes its folder. */
  stop(): Promise<void>;
}

const isExecutable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The folder holding initdb and pg_ctl (pg_ctl finds postgres beside itself): PATH's, else Debian's newest. */
function serverBinDir(): string {
  const hasBoth = (dir: string) => isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'pg_ctl'));
  const onPath = (process.env.PATH ?? '').split(delimiter).find((dir) => dir !== '' && hasBoth(dir));
  if (onPath) return onPath;
  // Debian's postgresql package keeps the server's programs out of PATH, one folder per version.
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).sort((a, b) => b.localeCompare(a, 'en', { numeric: true })) : [];
  const newest = versions.map((version) => join(debian, version, 'bin')).find(hasBoth);
  if (newest) return newest;
  throw new Error(
    'PostgreSQL server programs (initdb, pg_ctl) not found on PATH nor in /usr/lib/postgresql/<version>/bin: install them with `apt-get install postgresql`',
  );
}

/** The user to run the server as, when this process is root (initdb and postgres refuse to run as root). */
async function serverUser(): Promise<{ name: string; uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  // Debian's package creates the user. Not created here: a test adding system users is a side
  // effect on the machine, and parallel test files would race to add it.
  try {
    const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
    return { name: 'postgres', uid: Number(uid.stdout), gid: Number(gid.stdout) };
  } catch {
    throw new Error(
      'initdb and postgres refuse to run as root, and there is no user "postgres" to run them as: `apt-get install postgresql` creates it (or `useradd --system postgres`)',
    );
  }
}

/** A port nothing listens on now (the OS picks it); another process could take it before the server binds it. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * When root, the server's user must reach its folder, and the test run's temporary folders above it
 * are mkdtemp's 0700: grant others search (x, not read) on every ancestor that lacks it.
 */
function letOthersReach(folder: string): void {
  for (let dir = dirname(folder); dir !== dirname(dir); dir = dirname(dir)) {
    const mode = statSync(dir).mode;
    if (!(mode & 0o001)) chmodSync(dir, (mode & 0o7777) | 0o001);
  }
}

function logTail(logFile: string, lines = 30): string {
  if (!existsSync(logFile)) return '';
  return `\n--- server log, last lines ---\n${readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n')}`;
}

/** Quoted for postgresql.conf: in single quotes, a quote doubled. */
const confString = (value: string) => `'${value.replaceAll("'", "''")}'`;

/**
 * A throw-away PostgreSQL cluster on 127.0.0.1 and a free port, with C collation (text sorts by
 * bytes, as DuckDB's does) and no durability. Its folder is under os.tmpdir(): the test file's own
 * folder, so a server never stopped exits once that folder is removed (postgres checks its
 * postmaster.pid every minute).
 */
export async function startPostgres(): Promise<PostgresServer> {
  const bin = serverBinDir();
  const user = await serverUser();
  const folder = mkdtempSync(join(tmpdir(), 'postgres-'));
  const dataDir = join(folder, 'data');
  const logFile = join(folder, 'server.log');
  const pg = (program: string, args: string[]) => {
    const command = join(bin, program);
    // cwd: the folder, which the server's user can read when this process's own cwd may not be.
    const options = { cwd: folder, timeout: 120_000 };
    return user ? run('runuser', ['-u', user.name, '--', command, ...args], options) : run(command, args, options);
  };
  const failed = (what: string, error: unknown) => {
    // execFile's message holds the command and its stderr.
    const output = error instanceof Error ? error.message : String(error);
    return new Error(`${what} failed: ${output.trim()}${logTail(logFile)}`);
  };

  if (user) {
    letOthersReach(folder);
    chownSync(folder, user.uid, user.gid);
  }
  try {
    // --no-sync: the cluster is thrown away, so initdb need not flush its files to disk.
    await pg('initdb', ['-D', dataDir, '--auth=trust', '-U', 'postgres', '--locale=C', '-E', 'UTF8', '--no-sync']);
  } catch (error) {
    rmSync(folder, { recursive: true, force: true });
    throw failed('initdb', error);
  }

  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    try {
      await pg('pg_ctl', ['stop', '-D', dataDir, '-m', mode, '-w']).catch((error) => {
        throw failed('pg_ctl stop', error);
      });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  };
  // Asked for just before the server binds it, to keep short the time another process could take it.
  const port = await freePort();
  // In postgresql.conf rather than pg_ctl -o, which goes through a shell. No durability: the data is thrown away.
  const settings = {
    listen_addresses: confString('127.0.0.1'),
    port: String(port),
    unix_socket_directories: confString(folder),
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    shared_buffers: confString('256MB'),
    work_mem: confString('64MB'),
    max_wal_size: confString('2GB'),
  };
  try {
    const lines = Object.entries(settings).map(([name, value]) => `${name} = ${value}\n`);
    await appendFile(join(dataDir, 'postgresql.conf'), `\n${lines.join('')}`);
    // -w: return once the server accepts connections.
    await pg('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60']);
  } catch (error) {
    const startError = failed('pg_ctl start', error);
    await stop('immediate').catch(() => {});
    throw startError;
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop: () => stop() };
}
