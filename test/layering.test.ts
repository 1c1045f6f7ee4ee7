import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoDir } from './helpers/temp-project.js';

const pipelinesDir = join(repoDir, 'pipelines');

// The folders of pipelines/, top to bottom (docs/pipeline.md, "Layers"). A file imports from its
// own folder and from the layers below; folders of one layer do not import each other, so that
// each of load, transform, publish and generate can change without the others. '' stands for the
// files at the top of pipelines/ (config.ts, logger.ts, code-digest.ts, …), leaves like forecast/.
const layers = [
  ['commands'],
  ['refresh'],
  ['audience'],
  ['load', 'transform', 'publish', 'generate'],
  ['run'],
  ['warehouse'],
  ['', 'forecast'],
];

// cli.ts, at the top of pipelines/, is the commands' entry point.
const folderOfFile: Record<string, string> = { 'cli.ts': 'commands' };

function folderOf(path: string): string {
  const inside = relative(pipelinesDir, path);
  return folderOfFile[inside] ?? (inside.includes('/') ? inside.split('/')[0]! : '');
}

function layerOf(folder: string): number {
  const layer = layers.findIndex((folders) => folders.includes(folder));
  if (layer < 0) throw new Error(`pipelines/${folder}/ has no layer: add it to the layers of test/layering.test.ts and docs/pipeline.md`);
  return layer;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

// Static imports and re-exports (`… from '…'`, `import '…'`) and dynamic `import('…')`, of this repo's files.
const importPattern = /(?:\bfrom\s+|\bimport\s*\(\s*|^\s*import\s+)'(\.[^']+)'/gm;

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(importPattern)].map((match) => resolve(dirname(file), match[1]!).replace(/\.js$/, '.ts'));
}

describe('the layers of pipelines/', () => {
  const files = sourceFiles(pipelinesDir);

  it('finds the files and their imports, static and dynamic', () => {
    expect(files.length).toBeGreaterThan(100);
    expect(importsOf(join(pipelinesDir, 'commands/build.ts'))).toContain(join(pipelinesDir, 'transform/build-warehouse.ts'));
  });

  it('imports only down the layers, never from a sibling folder of the same layer', () => {
    const climbs = files.flatMap((file) =>
      importsOf(file)
        .filter((target) => target.startsWith(`${pipelinesDir}/`))
        .flatMap((target) => {
          const [from, to] = [folderOf(file), folderOf(target)];
          if (from === to || layerOf(to) > layerOf(from)) return [];
          const line = `${relative(repoDir, file)} imports ${relative(repoDir, target)}`;
          const where = layerOf(to) === layerOf(from) ? 'is beside' : 'is above';
          return [`${line}: ${to || 'pipelines/'} ${where} ${from || 'pipelines/'}`];
        }),
    );
    expect(climbs).toEqual([]);
  });
});
