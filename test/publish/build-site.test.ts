import { describe, expect, it } from 'vitest';
import { findBuildFailure } from '../../pipelines/publish/build-site.js';

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

  it('lets a clean build through', () => {
    expect(findBuildFailure('[INFO]: Evaluated sources, saving manifest\n[INFO]: ✅ Done!\nBuild complete --> ./build')).toBeUndefined();
  });
});
