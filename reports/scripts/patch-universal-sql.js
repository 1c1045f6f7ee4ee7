// Evidence's DuckDB clients set two options that DuckDB 0.9.1 (duckdb-wasm 1.28.0, pinned because
// newer builds try to download the parquet extension and hang offline) does not know. Make each
// setting best-effort. Idempotent; fails loudly when the code is not found (an Evidence upgrade).
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
console.log('patch-universal-sql: DuckDB settings made best-effort');
