import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../pipelines/config.js';
import { checkDataframeMarts, dataframeMartModels } from './dataframe-marts.js';
import { floorScript } from './floor-script.js';
import { benchSalt, measure } from './run-bench.js';

// The bench's polars steps and check on one shop folder, without loads, builds or refreshes: for
// working on run-polars.ts. DuckDB is timed in memory, as the bench times it, then builds the same
// marts into a file for the comparison.
// tsx bench/check-polars.ts INPUT_DIR WORK_DIR
const [inputDir, workDir] = process.argv.slice(2).map((path) => resolve(path));
if (!inputDir || !workDir) throw new Error('usage: check-polars.ts INPUT_DIR WORK_DIR');
const config = loadConfig();
mkdirSync(workDir, { recursive: true });
const script = join(workDir, 'floor-dataframe-marts.sql');
writeFileSync(script, await floorScript(config, inputDir, benchSalt, dataframeMartModels));
const floorDb = join(workDir, 'floor-dataframe-marts.duckdb');
rmSync(floorDb, { force: true });
const computed = join(workDir, 'polars-marts.json');
const step = (name: string, command: string[]) =>
  measure(config, command, { WAREHOUSE_MEMBER_SALT: benchSalt }, join(workDir, `${name}.log`));

const duckdb = await step('duckdb-in-memory', ['floor', script, ':memory:']);
const polars = await step('polars', ['polars', inputDir, config.seedsDir, computed]);
await step('duckdb-to-file', ['floor', script, floorDb]);
await checkDataframeMarts(computed, floorDb);
process.stdout.write(
  `${inputDir}: the polars marts equal DuckDB's cell by cell; DuckDB in memory ${duckdb.seconds.toFixed(1)} s (${duckdb.maxRssMb ?? '?'} MB), ` +
    `nodejs-polars ${polars.seconds.toFixed(1)} s (${polars.maxRssMb ?? '?'} MB)\n`,
);
