import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { runCli } from '../helpers/run-cli.js';
import { runRefresh } from '../helpers/run-refresh.js';
import { tempConfig } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

const orders = [
  'order_id,member_id,created_at,paid_at,status,paid_amount,refund_amount,item_count,province,city,phone',
  'o1,buyer_a,2026-11-01 10:00:00,2026-11-01 10:01:00,completed,100.00,0,1,浙江省,杭州市,13800000001',
  'o2,buyer_b,2026-11-02 10:00:00,2026-11-02 10:01:00,completed,50.00,0,1,北京市,北京市,13800000002',
].join('\n');

// A warehouse whose member salt is a file in its data folder, as when WAREHOUSE_MEMBER_SALT is not set.
const config = tempConfig({ memberSalt: undefined });
const saltPath = join(config.dataDir, 'member_salt');
let salt = '';

beforeAll(async () => {
  const warehouse = await openWarehouse(config);
  try {
    await runRefresh(warehouse, { inputs: [join(writeFiles({ 'orders.csv': orders }), 'orders.csv')] });
  } finally {
    await warehouse.close();
  }
  salt = readFileSync(saltPath, 'utf8').trim();
}, 120_000);

function query(sql: string, format = 'table') {
  const result = runCli(['query', sql, '--format', format], config.dataDir);
  return { ...result, output: result.stdout + result.stderr };
}

// Refused: exit 1, nothing on stdout, one line on stderr saying why.
function expectRefused(result: ReturnType<typeof query>, reason: RegExp) {
  expect(result.status).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(new RegExp(`^error: ${reason.source}`))]);
}

describe('query reads the warehouse and nothing else', () => {
  it('reads the marts in every format, with file access off and the settings locked', () => {
    const settings = "select current_setting('enable_external_access') as external_access, current_setting('lock_configuration') as locked";
    expect(query(settings, 'csv')).toMatchObject({ status: 0, stdout: 'external_access,locked\nfalse,true\n' });
    expect(query('select count(*) as members, sum(revenue) as revenue from marts.member_facts', 'csv')).toMatchObject({
      status: 0,
      stdout: 'members,revenue\n2,150\n',
    });
    const json = query('select count(*) as members from marts.member_facts', 'json');
    expect(json.status).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([{ members: 2 }]);
    expect(query('select count(*) as members from marts.member_facts')).toMatchObject({
      status: 0,
      stdout: 'members\n-------\n2\n(1 row)\n',
    });
  });

  it('refuses COPY TO and EXPORT DATABASE, and writes no file', () => {
    const folder = mkdtempSync(join(tmpdir(), 'query-out-'));
    const copied = join(folder, 'members.csv');
    expectRefused(
      query(`copy (select * from marts.member_facts) to '${copied}'`),
      /query reads the warehouse only: reading or writing files \(COPY, EXPORT, IMPORT\) is refused; use --format csv .* shell redirect/,
    );
    expect(existsSync(copied)).toBe(false);
    // Into the temp directory, which DuckDB keeps open for spilling, only the statement kind stops it.
    const spilled = join(config.tempDirectory, 'members.csv');
    expectRefused(query(`copy marts.member_facts to '${spilled}'`), /query reads the warehouse only: COPY is refused; use --format csv/);
    expect(existsSync(spilled)).toBe(false);
    expectRefused(query(`export database '${join(folder, 'all')}'`), /query reads the warehouse only: .*EXPORT.* is refused/);
    expect(existsSync(join(folder, 'all'))).toBe(false);
  });

  it('refuses ATTACH, so another database, opened for writing, keeps its tables', async () => {
    const other = join(mkdtempSync(join(tmpdir(), 'query-other-')), 'published.duckdb');
    const instance = await DuckDBInstance.create(other);
    const connection = await instance.connect();
    await connection.run('create table kept as select * from range(3)');
    connection.closeSync();
    instance.closeSync();

    expectRefused(query(`attach '${other}' as other (read_write)`), /query reads the warehouse only: ATTACH is refused/);
    expectRefused(query(`attach '${other}' as other (read_write); drop table other.kept`), /query runs one statement, not 2/);

    const after = await DuckDBInstance.create(other);
    const reader = await after.connect();
    expect((await reader.runAndReadAll('select count(*)::int as n from kept')).getRowObjectsJS()).toEqual([{ n: 3 }]);
    reader.closeSync();
    after.closeSync();
  });

  it('refuses every file-reading function: neither /etc/passwd nor the member salt is shown', () => {
    expect(salt).toMatch(/^[0-9a-f]{48}$/);
    for (const [sql, reading] of [
      ["select * from read_text('/etc/passwd')", 'read_text'],
      ["select * from read_csv('/etc/passwd', header = false, columns = {'line': 'varchar'})", 'read_csv'],
      ["select * from glob('/etc/*')", 'glob'],
      [`select content from read_text('${saltPath}')`, 'read_text'],
      [`select (select content from read_blob('${saltPath}')) as salt from marts.member_facts`, 'read_blob'],
    ]) {
      const result = query(sql!, 'csv');
      expectRefused(result, new RegExp(`query reads the warehouse only: reading files \\(${reading}\\) is refused; query its tables`));
      expect(result.output).not.toContain('root:');
      expect(result.output).not.toContain(salt);
    }
  });

  it('refuses INSTALL, SET, a write and several statements, in one line each', () => {
    expectRefused(query('install httpfs'), /query reads the warehouse only: INSTALL and LOAD are refused/);
    expectRefused(query("set temp_directory = '/etc'"), /query reads the warehouse only: SET, RESET, USE and setting PRAGMAs are refused/);
    expectRefused(query('delete from marts.member_facts'), /query reads the warehouse only: DELETE is refused, it runs one SELECT/);
    expectRefused(query('select 1; select 2'), /query runs one statement, not 2: run them one at a time$/);
  });
});
