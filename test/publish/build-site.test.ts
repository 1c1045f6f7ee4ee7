import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../pipelines/config.js';
import { findBuildFailure, siteSourcesDigest } from '../../pipelines/publish/build-site.js';

// Lines as Evidence 40 printed them on this project (a failed source, a failed page query).
describe('reading an Evidence build log', () => {
  it('finds a failed source or page query even when the build exits 0', () => {
    expect(
      findBuildFailure(
        '[INFO]: Processing marts\n  kpi_monthly ✖ Error: Binder Error: Ambiguous reference to catalog or schema "marts"\n[INFO]: ✅ Done!',
      ),
    ).toBe('  kpi_monthly ✖ Error: Binder Error: Ambiguous reference to catalog or schema "marts"');
    expect(findBuildFailure('rendering /members\nError in Query: revenue_split\nBuild complete')).toBe('Error in Query: revenue_split');
    expect(findBuildFailure('  cohort_retention ✖ Catalog Error: unrecognized configuration parameter "ieee_floating_point_ops"')).toMatch(
      /Catalog Error/,
    );
  });

  it('names the first error of a build that exited with one, not its stack trace', () => {
    const log = [
      'vite v5.4.14 building SSR bundle for production...',
      "Error: Invalid Input Error: File 'marts_data_audience_exports.parquet' too small to be a Parquet file",
      '    at [kOnMessage] (node:internal/worker:344:37)',
      'Build failed',
    ].join('\n');
    expect(findBuildFailure(log, 1)).toBe(
      "Error: Invalid Input Error: File 'marts_data_audience_exports.parquet' too small to be a Parquet file",
    );
    expect(findBuildFailure(log)).toBeUndefined();
  });

  it("names the page that does not compile, which Vite prints after 'error during build:'", () => {
    const log = [
      '[ERROR]:  x Build failed in 5.52s',
      'error during build:',
      "[vite-plugin-svelte] 'buyer_counts' is not defined",
      'file: /home/shop/reports/.evidence/template/src/pages/+page.md',
      'Build failed',
      '    at file:///home/shop/reports/node_modules/@evidence-dev/evidence/cli.js:228',
      'Error: Build process exited with code 1',
    ].join('\n');
    expect(findBuildFailure(log, 1)).toBe("[vite-plugin-svelte] 'buyer_counts' is not defined");
  });

  it('lets a clean build through', () => {
    expect(findBuildFailure('[INFO]: Evaluated sources, saving manifest\n[INFO]: ✅ Done!\nBuild complete --> ./build')).toBeUndefined();
  });
});

describe("the site's sources, which decide whether its pages must be bundled again", () => {
  const projectDir = mkdtempSync(join(tmpdir(), 'site-sources-'));
  const config = loadConfig({ WAREHOUSE_DATA_DIR: 'data' }, projectDir);
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(projectDir, 'reports', path)), { recursive: true });
    writeFileSync(join(projectDir, 'reports', path), text);
  };
  write('pages/index.md', '# Overview');
  write('package-lock.json', '{}');

  it("change with a page, a new component or the package lock, not with Evidence's outputs or packages", () => {
    const first = siteSourcesDigest(config);
    for (const output of ['build/index.html', '.evidence/template/src/pages/+page.md', 'node_modules/x/index.js']) {
      write(output, 'written by a build or an install');
      expect(siteSourcesDigest(config), output).toBe(first);
    }
    const seen = new Set([first]);
    for (const [path, text] of [
      ['pages/index.md', '# Overview, edited'],
      ['components/Logo.svelte', '<img />'],
      ['package-lock.json', '{"lockfileVersion": 3}'],
    ] as const) {
      write(path, text);
      const digest = siteSourcesDigest(config);
      expect(seen.has(digest), path).toBe(false);
      seen.add(digest);
    }
  });
});
