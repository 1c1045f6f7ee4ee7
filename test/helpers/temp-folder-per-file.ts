import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

// Each test file writes its warehouses, and the CLIs and DuckDB it starts their files, under a
// folder of its own (they read TMPDIR), removed when the file ends: the run's disk use stays that
// of its largest files, not the sum of all.
const folder = mkdtempSync(join(process.env.TESTS_TMPDIR ?? tmpdir(), 'file-'));
process.env.TMPDIR = folder;
afterAll(() => rmSync(folder, { recursive: true, force: true }));
