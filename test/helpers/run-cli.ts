import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { repoDir } from './temp-project.js';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `npm run warehouse -- ...args` as a user would, against the given data folder. */
export function runCli(args: string[], dataDir: string, env: Record<string, string> = {}): CliResult {
  const result = spawnSync(process.execPath, ['--import', 'tsx', join(repoDir, 'pipelines/cli.ts'), ...args], {
    cwd: repoDir,
    encoding: 'utf8',
    env: { ...process.env, WAREHOUSE_DATA_DIR: dataDir, WAREHOUSE_MEMBER_SALT: 'test-salt-0001', WAREHOUSE_MEMORY_LIMIT: '1GB', NO_COLOR: '1', ...env },
    timeout: 120_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}
