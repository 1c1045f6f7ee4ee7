// Two fixes to Evidence's universal-sql, each idempotent and failing loudly when the code is not
// found (an Evidence upgrade):
// - its DuckDB clients set two options that DuckDB 0.9.1 (duckdb-wasm 1.28.0, pinned because newer
//   builds try to download the parquet extension and hang offline) does not know: made best-effort;
// - a source table of no rows (a mart that is empty tonight, e.g. no audience exported yet) is
//   listed but no parquet file is written, and the build fails reading it (evidence-dev/evidence
//   #2466): an empty batch is written, so that the table exists with its columns and no rows.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../node_modules/@evidence-dev/universal-sql');
if (!existsSync(root)) {
  console.error(`patch-universal-sql: ${root} is missing; Evidence changed, review the patch`);
  process.exit(1);
}
const settings = ['SET ieee_floating_point_ops = false;', 'SET old_implicit_casting = true;'];

for (const file of ['node.js', 'browser.js'].map((name) => join(root, 'src/client-duckdb', name))) {
  let text = readFileSync(file, 'utf8');
  for (const setting of settings) {
    const original = `await connection.query('${setting}');`;
    // The Node client is blocking and throws synchronously: a .catch() would not see it.
    const patched = `try { await connection.query('${setting}'); } catch {}`;
    if (text.includes(patched)) continue;
    if (!text.includes(original)) {
      console.error(`patch-universal-sql: "${original}" not found in ${file}; Evidence changed, review the patch`);
      process.exit(1);
    }
    text = text.replace(original, patched);
  }
  writeFileSync(file, text);
}

const buildParquet = join(root, 'src/build-parquet.js');
const emptyFlush = 'if (currentBatch.length) await flush(currentBatch);';
const emptyFlushPatched = 'if (currentBatch.length || !tmpFilenames.length) await flush(currentBatch);';
const builder = readFileSync(buildParquet, 'utf8');
if (!builder.includes(emptyFlushPatched)) {
  if (!builder.includes(emptyFlush)) {
    console.error(`patch-universal-sql: "${emptyFlush}" not found in ${buildParquet}; Evidence changed, review the patch`);
    process.exit(1);
  }
  writeFileSync(buildParquet, builder.replace(emptyFlush, emptyFlushPatched));
}
console.log('patch-universal-sql: DuckDB settings made best-effort; empty tables written as empty parquet files');
