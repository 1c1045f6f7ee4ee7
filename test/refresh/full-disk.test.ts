import { cpSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { shopInTwoDeliveries } from '../../pipelines/generate/shop-in-two-deliveries.js';
import { deliver, expectSucceeded, fileHash, publishedPath, scalar } from '../helpers/refresh-state.js';
import { shopTimeZone } from '../helpers/repo-seeds.js';
import { runCli } from '../helpers/run-cli.js';

// A full disk, as a file-size limit (`ulimit -f`) on the CLI's process: past the limit every write
// fails with EFBIG as it would with ENOSPC on a full disk (Node ignores SIGXFSZ, so the process
// lives on to report it). The shop is large enough that a full rebuild's log outgrows DuckDB's
// checkpoint threshold: a checkpoint during the build fails, and DuckDB invalidates the database.
// The models built before it are committed (beside the previous build's), so the warehouse
// cannot be opened again to record the failure until there is room to checkpoint them.
const root = mkdtempSync(join(tmpdir(), 'refresh-full-disk-'));
const stateA = join(root, 'state-a');
let shop: Awaited<ReturnType<typeof shopInTwoDeliveries>>;

beforeAll(async () => {
  shop = await shopInTwoDeliveries(root, 20_000, 11, { shopTimeZone });
  deliver(stateA, shop.before);
  expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences'], stateA));
}, 300_000);

describe('a refresh that runs out of space', () => {
  it('says so in one line, publishes nothing, has the run recorded as failed or interrupted, and succeeds once there is space', async () => {
    const dataDir = join(root, 'full');
    cpSync(stateA, dataDir, { recursive: true });
    deliver(dataDir, shop.last);
    const publishedBefore = fileHash(publishedPath(dataDir));
    // Room for the warehouse as it is and one more megabyte, not for a rebuild of every model.
    const limitKb = Math.ceil(statSync(join(dataDir, 'warehouse.duckdb')).size / 1024) + 1024;

    const full = runCli(['refresh', '--no-site', '--no-audiences', '--full-refresh'], dataDir, {}, { fileSizeLimitKb: limitKb });
    expect(full.signal).toBeNull();
    expect(full.status).toBe(1);
    const errors = full.stderr.split('\n').filter((line) => line.startsWith('error:'));
    expect(errors).toHaveLength(1);
    // The README's two outcomes, told apart by the message: the run recorded as failed at once, or,
    // when the models committed so far must be checkpointed before the warehouse opens again (where
    // the write failed decides), recorded as interrupted by the next command that writes.
    const last = full.stderr.trimEnd().split('\n').at(-1)!;
    const outcome = last.endsWith('run 2 is recorded as failed') ? 'failed' : 'interrupted';
    expect(last).toMatch(
      new RegExp(
        `^error: out of space writing the warehouse ${join(dataDir, 'warehouse.duckdb')} \\(\\d+\\.\\d MB when it failed; the file-size limit \\(ulimit -f\\) stopped it\\): nothing was published; the previous build stands; raise the limit and run again; ${
          outcome === 'failed'
            ? 'run 2 is recorded as failed'
            : 'run 2 could not be recorded as failed \\(out of space writing the warehouse .+\\); the next command that writes records it as interrupted'
        }$`,
      ),
    );
    expect(fileHash(publishedPath(dataDir))).toBe(publishedBefore);

    const status = runCli(['status'], dataDir).stdout;
    expect(status).toMatch(/^lock {7}free$/m);
    expect(status).toMatch(
      outcome === 'failed'
        ? /^2 +refresh +failed .+out of space/m
        : /^2 +refresh +interrupted .+the process ended before the run finished$/m,
    );

    expectSucceeded(runCli(['refresh', '--no-site', '--no-audiences'], dataDir));
    expect(fileHash(publishedPath(dataDir))).not.toBe(publishedBefore);
    expect(scalar(dataDir, 'select count(*) from raw.orders')).toBe(String(shop.orders));
    expect(scalar(dataDir, "select string_agg(status, ' ' order by run_id) from ops.runs")).toBe(`succeeded ${outcome} succeeded`);
  }, 300_000);
});
