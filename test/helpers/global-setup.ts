import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One folder for the run's temporary files, removed at its end, even after a file that failed. */
export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'member-warehouse-tests-'));
  process.env.TESTS_TMPDIR = root;
  return () => rmSync(root, { recursive: true, force: true });
}
