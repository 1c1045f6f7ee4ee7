import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { readMacros } from '../pipelines/run/read-macros.js';
import { discoverModels } from '../pipelines/transform/discover-models.js';
import { loadSeeds } from '../pipelines/transform/load-seeds.js';
import type { Model } from '../pipelines/transform/model.js';
import { type PortabilityProblem, portabilityProblems } from '../pipelines/transform/portable-sql.js';
import { repoDir } from './helpers/temp-project.js';
import { withWarehouse } from './helpers/temp-warehouse.js';

let models: Model[] = [];
const unportable: string[] = [];

const described = (file: string, problem: PortabilityProblem) => `${file}:${problem.line ?? '?'}: ${problem.construct}: ${problem.reason}`;

beforeAll(async () => {
  // discoverModels also parses every header: an unknown key or test fails here. It checks a
  // standing audience's channel against the seeds.
  const macros = readMacros(join(repoDir, 'models'));
  await withWarehouse(async ({ db }) => {
    await loadSeeds(db, join(repoDir, 'seeds'));
    models = await discoverModels(db, join(repoDir, 'models'), repoDir, macros);
    for (const model of models)
      unportable.push(...(await portabilityProblems(db, model.sql, macros.names)).map((problem) => described(model.file, problem)));
  });
});

const isRunLogView = (model: Model) => model.schema === 'marts' && model.table.startsWith('data_') && model.materialized === 'view';

const readsFrom = (model: Model) => [...new Set(model.dependsOn.map((name) => name.split('.')[0]))].sort();

describe('model conventions', () => {
  it('finds the models', () => {
    expect(models.map((model) => model.name)).toContain('marts.member_facts');
  });

  it('gives every model a description and a grain', () => {
    const missing = models.filter((model) => model.description === '' || model.grain.length === 0).map((model) => model.file);
    expect(missing).toEqual([]);
  });

  it('names files after their layer: stg_ in staging, int_ in intermediate, no prefix in marts', () => {
    const misnamed = models
      .filter(
        (model) =>
          (model.schema === 'staging' && !model.table.startsWith('stg_')) ||
          (model.schema === 'intermediate' && !model.table.startsWith('int_')) ||
          (model.schema === 'marts' && /^(stg|int)_/.test(model.table)),
      )
      .map((model) => model.file);
    expect(misnamed).toEqual([]);
  });

  it('keeps the layers: staging reads only raw and seeds; intermediate, marts, audiences and work lists never read raw', () => {
    const allowed: Record<string, string[]> = {
      staging: ['raw', 'seeds'],
      intermediate: ['staging', 'intermediate', 'seeds'],
      marts: ['staging', 'intermediate', 'marts', 'seeds'],
      audiences: ['intermediate', 'marts', 'seeds'],
      worklists: ['intermediate', 'marts', 'seeds'],
    };
    const violations = models.flatMap((model) =>
      readsFrom(model)
        .filter((schema) => !allowed[model.schema]?.includes(schema ?? '') && !(schema === 'ops' && isRunLogView(model)))
        .map((schema) => `${model.file} reads ${schema}`),
    );
    expect(violations).toEqual([]);
  });

  it("reads the run log (ops) only in the Data page's marts: views named data_*, evaluated when the marts are published", () => {
    const readers = models.filter((model) => readsFrom(model).includes('ops'));
    expect(readers.length).toBeGreaterThan(0);
    expect(readers.filter((model) => !isRunLogView(model)).map((model) => model.file)).toEqual([]);
  });

  it('keeps the protected contacts table out of every mart and intermediate model', () => {
    const readers = models.filter((model) => model.dependsOn.includes('staging.stg_member_contacts')).map((model) => model.file);
    expect(readers).toEqual([]);
  });

  it('keeps models deterministic: no wall clock, no randomness', () => {
    const offending = models
      .filter((model) => /\b(current_date|current_timestamp|now\(\)|today\(\)|random\(\)|uuid\(\)|gen_random_uuid)/i.test(model.sql))
      .map((model) => model.file);
    expect(offending).toEqual([]);
  });

  it('writes every model in the portable subset that runs on PostgreSQL too (pipelines/transform/portable-sql.ts)', () => {
    expect(unportable).toEqual([]);
  });

  it('ends every model with select * from its last CTE', () => {
    const offending = models.filter((model) => !/\nselect \* from [a-z_]+\s*$/.test(model.sql)).map((model) => model.file);
    expect(offending).toEqual([]);
  });
});

describe('report sources', () => {
  it('are none by hand: the site build writes one per mart (site-workspace.ts), so reports/sources/marts holds its connection only', () => {
    expect(readdirSync(join(repoDir, 'reports/sources/marts'))).toEqual(['connection.yaml']);
  });

  it('cover every table a page reads: each marts.<name> in reports/pages is a mart model', () => {
    const marts = new Set(models.filter((model) => model.schema === 'marts').map((model) => model.table));
    const pagesDir = join(repoDir, 'reports/pages');
    const pages = readdirSync(pagesDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.md'));
    const read = pages.flatMap((file) =>
      [...readFileSync(join(pagesDir, file), 'utf8').matchAll(/\bmarts\.([a-z_0-9]+)/g)].map(([, table]) => `${file}: ${table}`),
    );
    expect(read.length).toBeGreaterThan(30);
    expect(read.filter((entry) => !marts.has(entry.split(': ')[1]!))).toEqual([]);
  });

  it('only select and show: no page query types a label (a quoted Chinese word) or builds one with || (a link path aside)', () => {
    const pagesDir = join(repoDir, 'reports/pages');
    const pages = readdirSync(pagesDir, { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.md'));
    const queries = pages.flatMap((file) =>
      [...readFileSync(join(pagesDir, file), 'utf8').matchAll(/```sql (\w+)\n([\s\S]*?)```/g)].map(([, name, text]) => ({
        at: `${file} ${name}`,
        text: text!,
      })),
    );
    expect(queries.length).toBeGreaterThan(40);
    const joinsText = (text: string) =>
      [...text.matchAll(/'([^']*)'\s*\|\||\|\|\s*'([^']*)'/g)].some(([, before, after]) => !(before ?? after)!.startsWith('/'));
    const labelling = queries.filter(({ text }) => /'[^']*\p{Script=Han}[^']*'/u.test(text) || joinsText(text));
    expect(labelling.map(({ at }) => at)).toEqual([]);
  });
});

// A Markdown heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces to hyphens.
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}_\- ]/gu, '')
    .replaceAll(' ', '-');

describe('the documents', () => {
  const documents = ['README.md', 'BENCHMARKS.md', ...readdirSync(join(repoDir, 'docs')).map((name) => `docs/${name}`)];
  const anchors = (file: string) =>
    new Set([...readFileSync(join(repoDir, file), 'utf8').matchAll(/^#+ (.+)$/gm)].map(([, heading]) => anchorOf(heading!)));

  it('keep the README to what the project is, the two commands and the map: 250 lines at most', () => {
    expect(readFileSync(join(repoDir, 'README.md'), 'utf8').trimEnd().split('\n').length).toBeLessThanOrEqual(250);
  });

  it('link only to files and headings that exist', () => {
    const broken = documents.flatMap((file) =>
      [...readFileSync(join(repoDir, file), 'utf8').matchAll(/\]\(([^)\s]+)\)/g)].flatMap(([, target]) => {
        if (/^(https?|mailto):/.test(target!)) return [];
        const [path = '', anchor] = target!.split('#');
        const linked = path === '' ? file : relative(repoDir, resolve(repoDir, dirname(file), path));
        const exists = readdirSync(join(repoDir, dirname(linked))).includes(linked.split('/').at(-1)!);
        if (!exists) return [`${file}: ${target}`];
        return anchor === undefined || !linked.endsWith('.md') || anchors(linked).has(anchor) ? [] : [`${file}: ${target}`];
      }),
    );
    expect(documents.length).toBeGreaterThan(6);
    expect(broken).toEqual([]);
  });
});

describe('the repository', () => {
  const tracked = execFileSync('git', ['ls-files'], { cwd: repoDir, encoding: 'utf8' })
    .split('\n')
    .filter(
      (file) =>
        /\.(ts|js|md|sql|json|ya?ml|csv|sh)$|^\.ci\/run$/.test(file) &&
        !file.endsWith('package-lock.json') &&
        !file.startsWith('test/fixtures/'),
    );
  const read = (file: string) => readFileSync(join(repoDir, file), 'utf8');

  it("names no path outside itself: a user's clone has nothing beside it", () => {
    const outside = tracked.flatMap((file) => {
      const text = read(file);
      const escapes = [...text.matchAll(/(?<![\w.])((?:\.\.\/)+[\w.-]+)/g)]
        .map(([, path]) => path!)
        .filter((path) => relative(repoDir, resolve(dirname(join(repoDir, file)), path)).startsWith('..'));
      const elsewhere = [...text.matchAll(/\/work\/[\w.-]+|\b(?:DESIGN|METRICS|STACK)\.md\b/g)].map(([match]) => match);
      return [...escapes, ...elsewhere].map((path) => `${file}: ${path}`);
    });
    expect(tracked.length).toBeGreaterThan(100);
    expect(outside).toEqual([]);
  });

  it('defines the SQL macros in models/macros.sql only, and no TypeScript lists their names', () => {
    const { names } = readMacros(join(repoDir, 'models'));
    expect(names).toContain('lifecycle_stage');
    const defining = tracked.filter(
      (file) =>
        file.endsWith('.sql') &&
        file !== 'models/macros.sql' &&
        // The PostgreSQL bodies of the macros whose DuckDB body is not portable: the dual-engine
        // test holds them to DuckDB's results, postgres-sql.test.ts to the same parameters.
        file !== 'pipelines/transform/postgres/postgres-macros.sql' &&
        !file.startsWith('pipelines/generate/') &&
        /\bcreate\s+(or\s+replace\s+)?(temp\s+)?macro\b/i.test(read(file)),
    );
    // Named as a call or in quotes, as a list of macros would be: a column that shares a macro's
    // name (member_facts.lifecycle_stage) may be read in SQL a TypeScript file holds.
    const naming = tracked.filter(
      (file) =>
        file.endsWith('.ts') &&
        !file.startsWith('test/') &&
        names.some((name) => new RegExp(`\\b${name}\\s*\\(|['"\`]${name}['"\`]`).test(read(file))),
    );
    expect(defining).toEqual([]);
    expect(naming).toEqual([]);
  });
});
