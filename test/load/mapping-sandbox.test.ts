import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { readMapping } from '../../pipelines/load/input-mapping.js';
import { loadFile } from '../../pipelines/load/load-file.js';
import { inMappingSandbox } from '../../pipelines/load/mapping-sandbox.js';
import type { Database } from '../../pipelines/warehouse/database.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { repoSeeds } from '../helpers/repo-seeds.js';
import { runCli } from '../helpers/run-cli.js';
import { tempConfig, withWarehouse } from '../helpers/temp-warehouse.js';
import { writeFiles } from '../helpers/write-files.js';

const remedy =
  "a mapping expression is one scalar expression over the file's fields and _line, calling only the functions listed in pipelines/load/check-mapping-expressions.ts";
const passwdLine = readFileSync('/etc/passwd', 'utf8').split('\n')[0]!;

/** A mapping of a members file with one field, `nick`, whose city is the given expression (or optional column). */
function membersMapping(city: { columns?: string; optional?: string }) {
  return JSON.stringify({
    description: 'members by nick',
    tables: {
      members: {
        columns: { member_id: 'nick', ...(city.columns ? { city: city.columns } : {}) },
        optional_columns: city.optional ? { city: city.optional } : {},
      },
    },
  });
}

/** Every value of every raw table and of the quarantine, as text. */
async function everythingStored(db: Kysely<Database>): Promise<string> {
  const { rows: tables } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables where table_schema = 'raw' order by 1`.execute(db);
  const values = [];
  for (const relation of [...tables.map(({ name }) => `raw.${name}`), 'ops.quarantine']) {
    values.push((await sql.raw(`select * from ${relation}`).execute(db)).rows);
  }
  return JSON.stringify(values, (_key, value: unknown) => (typeof value === 'bigint' ? String(value) : value));
}

describe('a mapping column that reads a file', () => {
  it('is refused by the load command, which exits 1, and /etc/passwd is nowhere in the warehouse', async () => {
    const dir = writeFiles({
      'steal.json': membersMapping({ columns: "(select content from read_text('/etc/passwd'))" }),
      'members.csv': 'nick\nanna\n',
    });
    const config = tempConfig();
    const load = runCli(['load', '--mapping', join(dir, 'steal.json'), join(dir, 'members.csv')], config.dataDir);
    expect(load.status).toBe(1);
    expect(load.stderr).toContain(`${join(dir, 'steal.json')}: tables.members.columns.city: a subquery is not allowed; ${remedy}`);
    const warehouse = await openWarehouse(config, { readOnly: true });
    try {
      const { rows } = await sql<{ n: number }>`select count(*) as n from ops.loaded_files`.execute(warehouse.db);
      expect(rows).toEqual([{ n: 0 }]);
      expect(await everythingStored(warehouse.db)).not.toContain(passwdLine);
    } finally {
      await warehouse.close();
    }
  });
});

describe('statements hidden in optional_columns', () => {
  // Before the attack: one member and one campaign, loaded from canonical files.
  const canonical = {
    'members.csv': 'member_id,city\nm1,Hangzhou\n',
    'campaigns.csv': 'campaign_id,name,channel,sent_at,cost_per_contact\nc1,Spring,sms,2025-03-01 10:00:00,0.05\n',
    'export.csv': 'nick\nanna\n',
  };

  /** Loads export.csv through a mapping whose optional city is `optional`, TARGET replaced by `target` in the test's folder. */
  async function attack(optional: string, check: (db: Kysely<Database>, dir: string) => Promise<void>, target = '') {
    const dir = writeFiles(canonical);
    const mappingPath = join(dir, 'attack.json');
    writeFileSync(mappingPath, membersMapping({ optional: optional.replaceAll('TARGET', join(dir, target)) }));
    await withWarehouse(async ({ db }) => {
      await loadFile(db, join(dir, 'members.csv'), { ...repoSeeds });
      await loadFile(db, join(dir, 'campaigns.csv'), { ...repoSeeds });
      const failure = await loadFile(db, join(dir, 'export.csv'), { ...repoSeeds, mapping: readMapping(mappingPath) }).then(
        () => undefined,
        (error: Error) => error.message,
      );
      // What the statement would have done first, whatever the load says.
      await check(db, dir);
      const { rows } = await sql<Record<string, unknown>>`select
        (select count(*) from raw.members) as members, (select count(*) from raw.campaigns) as campaigns,
        (select count(*) from ops.loaded_files) as files`.execute(db);
      expect(rows).toEqual([{ members: 1, campaigns: 1, files: 2 }]);
      expect(failure).toBe(`${mappingPath}: tables.members.optional_columns.city: a second statement is not allowed; ${remedy}`);
    });
  }

  it('ATTACH: refused, and the database it would attach is never written', async () => {
    await attack(
      "1) from _fields; attach 'TARGET' as stolen; create table stolen.members as select * from raw.members; select (1",
      async (_db, dir) => expect(existsSync(join(dir, 'stolen.duckdb'))).toBe(false),
      'stolen.duckdb',
    );
  });

  it('COPY TO: refused, and the file it would write does not exist', async () => {
    await attack(
      "1) from _fields; copy (select * from raw.members) to 'TARGET' (header); select (1",
      async (_db, dir) => expect(existsSync(join(dir, 'members-out.csv'))).toBe(false),
      'members-out.csv',
    );
  });

  it('DELETE FROM raw.campaigns: refused, and the campaign is still there', async () => {
    await attack('1) from _fields; delete from raw.campaigns; select (1', async (db) => {
      const { rows } = await sql<{ campaign_id: string }>`select campaign_id from raw.campaigns`.execute(db);
      expect(rows).toEqual([{ campaign_id: 'c1' }]);
    });
  });
});

describe('a mapping expression that is more than an expression over the fields', () => {
  const refusals: Array<[string, string]> = [
    ['raw.orders.order_id', "'raw.orders.order_id' names another relation; only the file's fields may be read"],
    ['campaigns.name', "'campaigns.name' names another relation; only the file's fields may be read"],
    ['campaign_id', "'campaign_id' is not a field of the file (fields: nick, _line)"],
    ["getenv('HOME')", "function 'getenv' is not allowed"],
    ["read_blob('/etc/passwd')", "function 'read_blob' is not allowed"],
    ["1) from read_text('/etc/passwd') --", 'a table function is not allowed'],
    ['nick in (select name from raw.campaigns)', 'a subquery is not allowed'],
    ['nick), (nick', 'the text goes on after the expression'],
    ['*', '* or COLUMNS(…) is not allowed'],
  ];

  it.each(refusals)('%s is refused, naming the file and the key, and nothing is loaded', async (city, problem) => {
    const dir = writeFiles({ 'bad.json': membersMapping({ columns: city }), 'export.csv': 'nick\nanna\n' });
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'export.csv'), { ...repoSeeds, mapping: readMapping(join(dir, 'bad.json')) })).rejects.toThrow(
        `${join(dir, 'bad.json')}: tables.members.columns.city: ${problem}; ${remedy}`,
      );
      const { rows } = await sql<{ n: number }>`select count(*) as n from raw.members`.execute(db);
      expect(rows).toEqual([{ n: 0 }]);
    });
  });

  it('names the shipped mapping by its path in the repository', async () => {
    const dir = writeFiles({ 'log.txt': 'customer_id date number_of_cds dollar_value\n1 19970101 1 11.77\n' });
    const mapping = readMapping('cdnow');
    mapping.tables.orders!.rows = "getenv('HOME') is not null";
    await withWarehouse(async ({ db }) => {
      await expect(loadFile(db, join(dir, 'log.txt'), { ...repoSeeds, mapping })).rejects.toThrow(
        `pipelines/load/mappings/cdnow.json: tables.orders.rows: function 'getenv' is not allowed; ${remedy}`,
      );
    });
  });
});

describe('a mapping of scalar expressions over the fields', () => {
  it('loads, with the optional columns whose fields the file has', async () => {
    const dir = writeFiles({
      'shop.json': JSON.stringify({
        description: 'members, the first line of each nick',
        tables: {
          members: {
            rows: 'row_number() over (partition by lower(trim(nick)) order by _line) = 1',
            columns: {
              member_id: 'lower(trim(nick))',
              joined_at: "try_strptime(since, ['%d.%m.%Y', '%Y-%m-%d'])",
              birth_year: 'case when try_cast(born as integer) between 1900 and 2020 then born end',
              city: "coalesce(nullif(split_part(trim(address), ' ', 2), ''), 'unknown')",
            },
            optional_columns: { source: "case when channel like 'web%' then 'web' else 'shop' end", gender: 'sex' },
          },
        },
      }),
      'members.csv': [
        'nick,since,born,address,channel',
        'Anna,01.02.2025,1990,浙江省 杭州市 西湖区,web-app',
        'anna ,2025-03-01,1991,上海市 上海市,shop',
        'Bob,2024-12-31,1850,,counter',
      ].join('\n'),
    });
    await withWarehouse(async ({ db }) => {
      const [result] = await loadFile(db, join(dir, 'members.csv'), { ...repoSeeds, mapping: readMapping(join(dir, 'shop.json')) });
      // By hand: line 3 is Anna's second line, skipped; 1850 is out of range (no birth year); there is no sex field.
      expect(result).toMatchObject({ table: 'members', rowsRead: 3, rowsLoaded: 2, rowsQuarantined: 0, rowsSkipped: 1 });
      const { rows } = await sql<Record<string, unknown>>`select member_id, joined_at::date::varchar as joined, birth_year, city,
        source, gender, _line from raw.members order by _line`.execute(db);
      expect(rows).toEqual([
        { member_id: 'anna', joined: '2025-02-01', birth_year: 1990, city: '杭州市', source: 'web', gender: null, _line: 2 },
        { member_id: 'bob', joined: '2024-12-31', birth_year: null, city: 'unknown', source: 'shop', gender: null, _line: 4 },
      ]);
    });
  });
});

describe('the mapping sandbox', () => {
  it('holds the fields and nothing else: no file, no warehouse table', async () => {
    await withWarehouse(async ({ db }) => {
      await db.connection().execute(async (connection) => {
        await sql.raw(`create temp table _fields as select 'anna' as nick, 2 as _line`).execute(connection);
        const run = (query: string) =>
          inMappingSandbox(connection, async (sandbox) => (await sandbox.runAndReadAll(query)).getRowObjectsJson());
        expect(await run('select nick, _line from _fields')).toEqual([{ nick: 'anna', _line: 2 }]);
        await expect(run("select content from read_text('/etc/passwd')")).rejects.toThrow(/Permission Error/);
        await expect(run('select count(*) from raw.campaigns')).rejects.toThrow(/Table with name "raw.campaigns" does not exist/);
        await expect(run('set enable_external_access = true')).rejects.toThrow(/the configuration has been locked/);
      });
    });
  });
});
