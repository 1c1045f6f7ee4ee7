// Fixes and one addition to Evidence 40 and the SvelteKit it builds with, made at install.
// Idempotent; each fails loudly when the code it replaces is not found (an upgrade: review the patch).
// 1. universal-sql's DuckDB clients set two options that DuckDB 0.9.1 (duckdb-wasm 1.28.0, pinned
//    because newer builds try to download the parquet extension and hang offline) does not know:
//    each setting is made best-effort.
// 2. A source query with no rows (data_audience_exports before the first export) wrote no parquet
//    file, while the manifest still lists it: the build then fails on a file "too small to be a
//    Parquet file" (evidence-dev/evidence#2466), or reads an older build's file left in
//    .evidence/template/static. An empty batch is written instead: the file has the columns (a
//    date column as a number, as Evidence types any all-null date column) and no rows.
// 3. A data-only rebuild (`evidence build:data`, scripts/prerender-data.js): SvelteKit keeps what
//    its prerendering and adapter need beside the build's output, and the CLI gets a command that
//    prerenders that output again with new data, then hashes and copies the data files as
//    `evidence build` does. The bundles, most of a build's time and memory, do not depend on data.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const modules = join(import.meta.dirname, '../node_modules');
const universalSql = join(modules, '@evidence-dev/universal-sql/src');

const replacements = [];
for (const name of ['node.js', 'browser.js']) {
  for (const setting of ['SET ieee_floating_point_ops = false;', 'SET old_implicit_casting = true;']) {
    // The Node client is blocking and throws synchronously: a .catch() would not see it.
    replacements.push({
      file: join(universalSql, 'client-duckdb', name),
      original: `await connection.query('${setting}');`,
      patched: `try { await connection.query('${setting}'); } catch {}`,
    });
  }
}
replacements.push({
  file: join(universalSql, 'build-parquet.js'),
  original: 'if (currentBatch.length) await flush(currentBatch);',
  patched: 'if (currentBatch.length || !tmpFilenames.length) await flush(currentBatch);',
});
replacements.push({
  file: join(modules, '@sveltejs/kit/src/exports/vite/index.js'),
  original: '\t\t\t\t// ...and prerender\n',
  patched:
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the patched code is a template literal
    "\t\t\t\tfs.writeFileSync(`${out}/prerender-inputs.devalue`, (await import('devalue')).stringify({ build_data, metadata }));\n\t\t\t\t// ...and prerender\n",
});
replacements.push({
  file: join(modules, '@evidence-dev/evidence/cli.js'),
  original: "prog\n\t.command('build:strict')",
  patched:
    "prog\n\t.command('build:data')\n\t.describe('prerender the last build again with new data')\n\t.action((args) => {\n\t\tloadEnvFile();\n\t\tbuildHelper('node ../../scripts/prerender-data.js', args);\n\t});\n\nprog\n\t.command('build:strict')",
});

for (const { file, original, patched } of replacements) {
  if (!existsSync(file)) {
    console.error(`patch-evidence: ${file} is missing; Evidence changed, review the patch`);
    process.exit(1);
  }
  const text = readFileSync(file, 'utf8');
  if (text.includes(patched)) continue;
  if (!text.includes(original)) {
    console.error(`patch-evidence: "${original}" not found in ${file}; Evidence changed, review the patch`);
    process.exit(1);
  }
  writeFileSync(file, text.replace(original, patched));
}
console.log('patch-evidence: DuckDB settings made best-effort; sources with no rows write an empty file; evidence build:data added');
