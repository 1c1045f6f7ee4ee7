import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const sourceDir = join(root, 'pipelines');
const buildsDir = join(root, '.build');

/**
 * The folder of pipelines/ compiled to JavaScript, one module per .ts file, compiled first when a
 * source changed: .build/<key>/. A build is written aside and renamed into place, so a process
 * never starts on half of one.
 */
export async function compiledPipelines() {
  const files = readdirSync(sourceDir, { recursive: true })
    .filter((file) => file.endsWith('.ts'))
    .sort();
  const key = buildKey(files);
  const built = join(buildsDir, key);
  if (existsSync(join(built, 'cli.js'))) return built;
  const staging = join(buildsDir, `.${key}-${process.pid}`);
  await compile(files, staging);
  try {
    renameSync(staging, built);
  } catch (error) {
    // Another process built the same sources first.
    if (!existsSync(join(built, 'cli.js'))) throw error;
    rmSync(staging, { recursive: true, force: true });
  }
  pruneBuilds(key);
  return built;
}

// What the output depends on: how this file compiles, the compiler options, the sources and their
// place (which the modules keep).
function buildKey(files) {
  const hash = createHash('sha256')
    .update(readFileSync(fileURLToPath(import.meta.url)))
    .update(readFileSync(join(root, 'tsconfig.json')))
    .update(`\0${sourceDir}`);
  for (const file of files) hash.update(`\0${file}\0`).update(readFileSync(join(sourceDir, file)));
  return hash.digest('hex').slice(0, 16);
}

async function compile(files, outDir) {
  const { transform } = await import('esbuild');
  const tsconfigRaw = readFileSync(join(root, 'tsconfig.json'), 'utf8');
  // Every file compiles before one is written: a source in error leaves nothing behind.
  const modules = await Promise.all(
    files.map(async (file) => {
      const source = join(sourceDir, file);
      const { code } = await transform(readFileSync(source, 'utf8'), {
        loader: 'ts',
        format: 'esm',
        platform: 'node',
        target: 'node20',
        sourcefile: relative(root, source),
        tsconfigRaw,
        // Each module keeps its source's place: the SQL, mappings and migrations it reads beside
        // itself, and the code digest, are those of pipelines/, as when tsx runs the source.
        define: {
          'import.meta.url': JSON.stringify(pathToFileURL(source).href),
          'import.meta.dirname': JSON.stringify(dirname(source)),
          'import.meta.filename': JSON.stringify(source),
        },
      });
      return { path: join(outDir, file.replace(/\.ts$/, '.js')), code };
    }),
  );
  for (const { path, code } of modules) {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, code);
  }
}

// Other builds go once a minute old: a process started on one may still be importing its commands.
function pruneBuilds(key) {
  for (const entry of readdirSync(buildsDir)) {
    const path = join(buildsDir, entry);
    const modified = statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now();
    if (entry !== key && Date.now() - modified > 60_000) rmSync(path, { recursive: true, force: true });
  }
}

// `node bin/compiled-pipelines.mjs` (npm install runs it) builds without starting the CLI.
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) await compiledPipelines();
