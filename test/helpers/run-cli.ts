import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoDir } from './temp-project.js';

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

// As `npm run warehouse` starts it: the checkout's pipelines/, compiled first if a source changed.
const launcher = [join(repoDir, 'bin/warehouse.mjs')];
const cliArgs = (args: string[], entry = launcher) => [...entry, ...args];

function cliEnv(dataDir: string, env: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...process.env,
    WAREHOUSE_DATA_DIR: dataDir,
    WAREHOUSE_MEMBER_SALT: 'test-salt-0001',
    WAREHOUSE_MEMORY_LIMIT: '1GB',
    NO_COLOR: '1',
    ...env,
  };
}

export interface CliOptions {
  /** Run under `ulimit -f`: writing past this many KiB in any file fails (EFBIG), as on a full disk. */
  fileSizeLimitKb?: number;
  /** The project the CLI runs in (its models, seeds and reports): the repository by default. */
  cwd?: string;
  /** Node's arguments that start the CLI: the checkout's launcher by default. */
  entry?: string[];
}

/** Runs `npm run warehouse -- ...args` as a user would, against the given data folder. */
export function runCli(args: string[], dataDir: string, env: Record<string, string> = {}, options: CliOptions = {}): CliResult {
  const [command, commandArgs] =
    options.fileSizeLimitKb === undefined
      ? [process.execPath, cliArgs(args, options.entry)]
      : ['sh', ['-c', `ulimit -f ${options.fileSizeLimitKb} && exec "$0" "$@"`, process.execPath, ...cliArgs(args, options.entry)]];
  const result = spawnSync(command, commandArgs, {
    cwd: options.cwd ?? repoDir,
    encoding: 'utf8',
    env: cliEnv(dataDir, env),
    timeout: 120_000,
  });
  return { status: result.status, signal: result.signal, stdout: result.stdout, stderr: result.stderr };
}

/** The CLI's process, for a command that runs until it is stopped (serve), in the project `cwd`. */
export function spawnCli(args: string[], dataDir: string, env: Record<string, string> = {}, cwd = repoDir): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, cliArgs(args), { cwd, env: cliEnv(dataDir, env) });
}

/** As runCli, without waiting: for runs that overlap. */
export function startCli(args: string[], dataDir: string, env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawnCli(args, dataDir, env);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}
