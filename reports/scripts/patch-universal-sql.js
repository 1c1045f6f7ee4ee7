// Two fixes to Evidence's universal-sql, made at install. Idempotent; each fails loudly when the
// code it replaces is not found (an Evidence upgrade: review the patch).
// 1. Its DuckDB clients set two options that DuckDB 0.9.1 (duckdb-wasm 1.28.0, pinned because
//    newer builds try to download the parquet extension and hang offline) does not know: each
//    setting is made best-effort.
// 2. A source query with no rows (data_audience_exports before the first export) wrote no parquet
//    file, while the manifest still lists it: the build then fails on a file "too small to be a
//    Parquet file" (evidence-dev/evidence#2466), or reads an older build's file left in
//    .evidence/template/static. An empty batch is written instead: the file has the columns (a
//    date column as a number, as Evidence types any all-null date column) and no rows.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '../node_modules/@evidence-dev/universal-sql');
if (!existsSync(root)) {
  console.error(`patch-universal-sql: ${root} is missing; Evidence changed, review the patch`);
  process.exit(1);
}

const replacements = [];
for (const name of ['node.js', 'browser.js']) {
  for (const setting of ['SET ieee_floating_point_ops = false;', 'SET old_implicit_casting = true;']) {
    // The Node client is blocking and throws synchronously: a .catch() would not see it.
    replacements.push({
      file: join(root, 'src/client-duckdb', name),
      original: `await connection.query('${setting}');`,
      patched: `try { await connection.query('${setting}'); } catch {}`,
    });
  }
}
replacements.push({
  file: join(root, 'src/build-parquet.js'),
  original: 'if (currentBatch.length) await flush(currentBatch);',
  patched: 'if (currentBatch.length || !tmpFilenames.length) await flush(currentBatch);',
});

for (const { file, original, patched } of replacements) {
  const text = readFileSync(file, 'utf8');
  if (text.includes(patched)) continue;
  if (!text.includes(original)) {
    console.error(`patch-universal-sql: "${original}" not found in ${file}; Evidence changed, review the patch`);
    process.exit(1);
  }
  writeFileSync(file, text.replace(original, patched));
}
console.log('patch-universal-sql: DuckDB settings made best-effort; sources with no rows write an empty file');
