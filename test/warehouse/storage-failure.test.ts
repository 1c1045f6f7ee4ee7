import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DamagedWarehouseError, describeStorageFailure, OutOfSpaceError } from '../../pipelines/warehouse/storage-failure.js';
import { tempConfig } from '../helpers/temp-warehouse.js';

// DuckDB's and Node's messages as they came out of real runs on a full disk or under `ulimit -f`,
// with the paths of a test data folder.
describe('the account of a failure for want of space', () => {
  const config = tempConfig();
  const data = config.dataDir;

  it('names the published file, its size when it failed and the size of the file it replaces', () => {
    mkdirSync(join(data, 'published/next'), { recursive: true });
    writeFileSync(join(data, 'published/next/warehouse_marts.duckdb'), Buffer.alloc(3 * 1024 * 1024));
    writeFileSync(join(data, 'published/warehouse_marts.duckdb'), Buffer.alloc(5 * 1024 * 1024 + 512 * 1024));
    const failure = describeStorageFailure(
      new Error(
        `IO Error: Detached database 'published', but CHECKPOINT during DETACH failed. \nCheckpoint failed for database "published". The database has been invalidated. Original error: Could not write file "${data}/published/next/warehouse_marts.duckdb": No space left on device`,
      ),
      config,
    );
    expect(failure).toBeInstanceOf(OutOfSpaceError);
    expect(failure!.message).toMatch(
      new RegExp(
        `^out of space writing the published file ${data}/published/next/warehouse_marts\\.duckdb \\(3\\.0 MB when it failed; [\\d.]+ [KMGT]?B free on its disk; the one published now takes 5\\.5 MB\\): nothing was published; the previous build stands; free space and run again$`,
      ),
    );
  });

  it("names the warehouse's temp directory, and the site when it failed after the marts were published", () => {
    const spill = describeStorageFailure(
      new Error(
        `Out of Memory Error: failed to offload data block of size 256.0 KiB (1.2 GiB/1.2 GiB used): Could not write file "${config.tempDirectory}/duckdb_temp_storage_DEFAULT-0.tmp": File too large`,
      ),
      config,
    );
    expect(spill!.message).toBe(
      `out of space writing its temp directory ${config.tempDirectory}/duckdb_temp_storage_DEFAULT-0.tmp (the file-size limit (ulimit -f) stopped it): nothing was published; the previous build stands; raise the limit and run again`,
    );
    const site = describeStorageFailure(
      Object.assign(new Error(`ENOSPC: no space left on device, symlink '../sites/site-x' -> '${data}/site.link'`), {
        published: [`${data}/published/warehouse_marts.duckdb`],
      }),
      config,
      [`${data}/published/warehouse_marts.duckdb`],
    );
    expect(site!.message).toMatch(
      new RegExp(
        `^out of space writing the site ${data}/site\\.link \\([\\d.]+ [KMGT]?B free on its disk\\): ${data}/published/warehouse_marts\\.duckdb was published but not recorded, so the next refresh publishes again; free space and run again$`,
      ),
    );
  });

  it('says the warehouse file is damaged, and how to rebuild it', () => {
    const failure = describeStorageFailure(
      new Error(
        `IO Error: Could not read enough bytes from file "${config.warehousePath}": attempted to read 262144 bytes from location 15740928`,
      ),
      config,
    );
    expect(failure).toBeInstanceOf(DamagedWarehouseError);
    expect(failure!.message).toBe(
      `the warehouse ${config.warehousePath} is damaged (IO Error: Could not read enough bytes from file "${config.warehousePath}": attempted to read 262144 bytes from location 15740928): the loaded files are kept in the archive; npm run warehouse -- rebuild moves the damaged file aside and rebuilds the warehouse from them`,
    );
  });

  it('leaves any other failure as it is', () => {
    expect(describeStorageFailure(new Error('Binder Error: Referenced column "x" was not found'), config)).toBeUndefined();
  });
});
