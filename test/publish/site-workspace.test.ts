import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeMartSources } from '../../pipelines/publish/site-workspace.js';

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
