import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.js';
import { repoDir } from '../helpers/temp-project.js';
import { writeFiles } from '../helpers/write-files.js';

// A copy of the code beside the checkout's packages: its sources can be edited, and its builds
// (.build/ beside its bin/) leave the checkout's alone.
const codeDir = mkdtempSync(join(tmpdir(), 'warehouse-code-'));
for (const entry of ['bin', 'pipelines', 'package.json', 'tsconfig.json'])
  cpSync(join(repoDir, entry), join(codeDir, entry), { recursive: true });
symlinkSync(join(repoDir, 'node_modules'), join(codeDir, 'node_modules'));
// The copy run compiled, and its source through tsx (as the tests run the checkout's).
const asCompiled = { entry: [join(codeDir, 'bin/warehouse.mjs')] };
const asSource = { entry: ['--import', 'tsx', join(codeDir, 'pipelines/cli.ts')] };
const builds = () => readdirSync(join(codeDir, '.build')).sort();

/** Runs the test with a source file of the copy edited, then puts it back. */
function withEditedSource(file: string, edit: (source: string) => string, test: () => void): void {
  const path = join(codeDir, 'pipelines', file);
  const source = readFileSync(path, 'utf8');
  writeFileSync(path, edit(source));
  try {
    test();
  } finally {
    writeFileSync(path, source);
  }
}

describe('the compiled command line (bin/warehouse.mjs)', () => {
  it('compiles pipelines/ on its first start and answers as the source does', () => {
    const help = runCli(['--help'], mkdtempSync(join(tmpdir(), 'warehouse-cli-')), {}, asCompiled);
    expect(help.status).toBe(0);
    expect(help.stdout).toContain('member-analytics warehouse (warehouse)');
    expect(builds()).toHaveLength(1);
    expect(existsSync(join(codeDir, '.build', builds()[0]!, 'commands/status.js'))).toBe(true);

    const dataDir = mkdtempSync(join(tmpdir(), 'warehouse-cli-'));
    const status = runCli(['status'], dataDir, {}, asCompiled);
    expect(status.status).toBe(0);
    expect(status.stdout).toContain(`warehouse  ${join(dataDir, 'warehouse.duckdb')} (not built yet)`);
    expect(status).toEqual(runCli(['status'], dataDir, {}, asSource));
  });

  it('fingerprints a build by the sources: a warehouse built from them is the same code to the compiled CLI', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warehouse-cli-'));
    const inbox = writeFiles({
      'orders.csv': [
        'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city,phone',
        'o1,buyer_a,2026-11-01 10:00:00,2026-11-01 10:01:00,completed,100.00,0,1,浙江省,杭州市,13800000001',
      ].join('\n'),
    });
    expect(runCli(['load', inbox], dataDir, {}, asSource).status).toBe(0);
    expect(runCli(['build'], dataDir, {}, asSource).status).toBe(0);

    // New code rebuilds every model once (build-context.ts): this one is the same code.
    const build = runCli(['build'], dataDir, {}, asCompiled);
    expect(build.status).toBe(0);
    expect(build.stderr).toMatch(/\] marts\.member_facts +table, unchanged/);
  });

  it('compiles again when a source changes, so an edit never runs stale code', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'warehouse-cli-'));
    withEditedSource(
      'cli.ts',
      (source) => source.replace("description: 'member-analytics warehouse'", "description: 'edited warehouse'"),
      () => {
        const help = runCli(['--help'], dataDir, {}, asCompiled);
        expect(help.status).toBe(0);
        expect(help.stdout).toContain('edited warehouse (warehouse)');
        expect(builds()).toHaveLength(2);
      },
    );
    // Back to the first sources: their build is still there.
    expect(runCli(['--help'], dataDir, {}, asCompiled).stdout).toContain('member-analytics warehouse (warehouse)');
    expect(builds()).toHaveLength(2);
  });

  it('names the file and line of a source that does not compile, and runs nothing', () => {
    withEditedSource(
      'commands/status.ts',
      (source) => `${source}\nconst = 1;\n`,
      () => {
        const status = runCli(['status'], mkdtempSync(join(tmpdir(), 'warehouse-cli-')), {}, asCompiled);
        expect(status.status).toBe(1);
        expect(status.stdout).toBe('');
        expect(status.stderr).toMatch(/pipelines\/commands\/status\.ts:\d+:\d+: ERROR/);
      },
    );
  });
});
