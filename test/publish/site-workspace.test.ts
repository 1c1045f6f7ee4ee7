import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { martsToExtract, writeMartSources } from '../../pipelines/publish/site-workspace.js';

function workspaceWith(files: Record<string, string>): string {
  const workspace = mkdtempSync(join(tmpdir(), 'site-workspace-'));
  mkdirSync(join(workspace, 'sources/marts'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(workspace, 'sources/marts', name), text);
  return workspace;
}

const read = (workspace: string, name: string) => readFileSync(join(workspace, 'sources/marts', name), 'utf8');

describe('the source queries of the site', () => {
  it('are one select * per mart beside the connection, with the files of marts that are gone removed', () => {
    const workspace = workspaceWith({ 'connection.yaml': 'name: marts\n', 'gone.sql': 'select * from marts.gone\n' });
    expect(writeMartSources(workspace, ['kpi_monthly', 'top_provinces'])).toEqual(['kpi_monthly', 'top_provinces']);
    expect(readdirSync(join(workspace, 'sources/marts')).sort()).toEqual(['connection.yaml', 'kpi_monthly.sql', 'top_provinces.sql']);
    expect(read(workspace, 'top_provinces.sql')).toBe('select * from marts.top_provinces\n');
    expect(read(workspace, 'connection.yaml')).toBe('name: marts\n');
  });

  it('leave a present file untouched unless its mart is to be extracted again, which rewrites it for Evidence to notice', async () => {
    const workspace = workspaceWith({ 'a.sql': 'select * from marts.a\n', 'b.sql': 'select * from marts.b\n' });
    const modified = (name: string) => statSync(join(workspace, 'sources/marts', name)).mtimeMs;
    const before = { a: modified('a.sql'), b: modified('b.sql') };
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(writeMartSources(workspace, ['a', 'b', 'c'], new Set(['b']))).toEqual(['c']);
    expect(modified('a.sql')).toBe(before.a);
    expect(modified('b.sql')).toBeGreaterThan(before.b);
    expect(read(workspace, 'c.sql')).toBe('select * from marts.c\n');
  });
});

// A marts file as publishing writes it: marts a and b with their recorded states, v (a view's copy) without.
async function martsFile(dir: string, states: { a: string; b: string }): Promise<string> {
  const path = join(dir, `marts-${states.a}-${states.b}.duckdb`);
  const instance = await DuckDBInstance.create(path);
  const connection = await instance.connect();
  await connection.run(`create schema marts; create schema _published;
    create table marts.a as select 1 as n; create table marts.b as select 2 as n; create table marts.v as select 3 as n;
    create table _published.mart_states as select * from (values ('a', '${states.a}'), ('b', '${states.b}')) as t(mart, state)`);
  connection.closeSync();
  instance.closeSync();
  return path;
}

describe('the marts extracted for the site', () => {
  it("are those whose state differs from the last extraction's, and all of them after an extraction not recorded", async () => {
    const workspace = workspaceWith({});
    const extracted = (mart: string) => join(workspace, '.evidence/template/static/data/marts', mart, `${mart}.parquet`);
    const tables = ['a', 'b', 'v'];
    const first = await martsFile(workspace, { a: 'x:1', b: 'y:1' });
    const none = await martsToExtract(workspace, first, tables, 'sources-1');
    expect(none.marts).toEqual(tables);
    for (const mart of tables) {
      mkdirSync(join(extracted(mart), '..'), { recursive: true });
      writeFileSync(extracted(mart), '');
    }
    none.record();
    const next = await martsFile(workspace, { a: 'x:1', b: 'y:2' });
    expect((await martsToExtract(workspace, next, tables, 'sources-1')).marts).toEqual(['b', 'v']);
    // The last call's record() was not called: as after a failed extraction, nothing is taken as extracted.
    expect((await martsToExtract(workspace, first, tables, 'sources-1')).marts).toEqual(tables);
  });

  it('are those whose file went, and all of them when the site sources changed', async () => {
    const workspace = workspaceWith({});
    const tables = ['a', 'b', 'v'];
    const file = await martsFile(workspace, { a: 'x:1', b: 'y:1' });
    for (const mart of tables) {
      mkdirSync(join(workspace, '.evidence/template/static/data/marts', mart), { recursive: true });
      writeFileSync(join(workspace, '.evidence/template/static/data/marts', mart, `${mart}.parquet`), '');
    }
    (await martsToExtract(workspace, file, tables, 'sources-1')).record();
    const again = await martsToExtract(workspace, file, tables, 'sources-1');
    expect(again.marts).toEqual(['v']);
    again.record();
    rmSync(join(workspace, '.evidence/template/static/data/marts/a'), { recursive: true });
    const withoutA = await martsToExtract(workspace, file, tables, 'sources-1');
    expect(withoutA.marts).toEqual(['a', 'v']);
    withoutA.record();
    expect((await martsToExtract(workspace, file, tables, 'sources-2')).marts).toEqual(tables);
  });
});
