import { spawn } from 'node:child_process';
import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { WarehouseConfig } from '../config.js';
import { publishedMartsPath } from './publish-marts.js';

export function siteDir(config: WarehouseConfig): string {
  return join(config.dataDir, 'site');
}

// Evidence can exit 0 while a page query failed: its log is checked too.
const failurePatterns = [/Error in Query/i, /\berror\b.*\bquery\b/i, /Catalog Error|Binder Error|Parser Error/, /✖/];

/** The first line of an Evidence log that reports a failed query or source, if any. */
export function findBuildFailure(output: string): string | undefined {
  return output.split('\n').find((line) => failurePatterns.some((pattern) => pattern.test(line)));
}

/**
 * Extracts the published marts for Evidence and builds the report site into a new folder,
 * swapped in only when the build succeeded: a failed build leaves the last site untouched.
 */
export async function buildSite(config: WarehouseConfig, log: (line: string) => void): Promise<string> {
  const reportsDir = join(config.projectDir, 'reports');
  if (!existsSync(join(reportsDir, 'node_modules/.bin/evidence'))) {
    throw new Error(`Evidence is not installed in ${reportsDir}: run npm install (it installs reports/ too)`);
  }
  const target = siteDir(config);
  const next = `${target}.next`;
  const built = join(reportsDir, 'build');
  // Old hashed files pile up in the build folder otherwise.
  for (const dir of [next, built]) rmSync(dir, { recursive: true, force: true });
  const env = {
    // A test runner's NODE_ENV=test makes Evidence prerender its dev-only pages, and fail.
    ...Object.fromEntries(Object.entries(process.env).filter(([name]) => name !== 'NODE_ENV' && !name.startsWith('VITEST'))),
    NODE_ENV: 'production',
    // Evidence joins an absolute filename wrongly: give it relative to the source folder.
    EVIDENCE_SOURCE__marts__filename: relative(join(reportsDir, 'sources/marts'), publishedMartsPath(config)),
  };
  log('site: extracting the published marts');
  await runEvidence(reportsDir, ['sources'], env);
  log('site: building pages');
  await runEvidence(reportsDir, ['build'], env);
  if (!existsSync(join(built, 'index.html'))) throw new Error(`site build wrote no ${join(built, 'index.html')}`);
  cpSync(built, next, { recursive: true });
  const previous = `${target}.previous`;
  rmSync(previous, { recursive: true, force: true });
  if (existsSync(target)) renameSync(target, previous);
  renameSync(next, target);
  rmSync(previous, { recursive: true, force: true });
  log(`site: ${target}`);
  return target;
}

function runEvidence(cwd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(join(cwd, 'node_modules/.bin/evidence'), args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const failure = findBuildFailure(output);
      if (code !== 0 || failure) {
        const tail = output.trim().split('\n').slice(-15).join('\n');
        reject(new Error(`evidence ${args.join(' ')} failed${code !== 0 ? ` (exit ${code})` : ''}: ${failure ?? ''}\n${tail}`));
      } else resolve();
    });
  });
}
