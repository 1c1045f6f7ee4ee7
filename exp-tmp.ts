import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';
import { Kysely, sql } from 'kysely';
import { DuckDBDialect } from './pipelines/warehouse/duckdb-dialect.js';
import { loadConfig } from './pipelines/config.js';
import { prepareSession } from './pipelines/build/build-warehouse.js';
const model = process.argv[2]!;
const instance = await DuckDBInstance.create('/tmp/mwh-copy.duckdb', { memory_limit: '1.25GB', temp_directory: '/tmp/exptmp' });
const db = new Kysely<any>({ dialect: new DuckDBDialect({ instance }) });
await db.connection().execute(async (c) => {
  const { models } = await prepareSession(c, { ...loadConfig(), memberSalt: 'bench-salt-0001' });
  const m = models.find((x) => x.name === model)!;
  for (let i = 0; i < 2; i++) {
    const t = performance.now();
    await sql.raw(`create or replace temp table candidate as ${m.sql.replace(/;\s*$/, '')}`).execute(c);
    console.log('new', (performance.now() - t).toFixed(0));
  }
  const t = performance.now();
  const { rows } = await sql.raw(`select (select count(*) from (select * from candidate except all select * from ${model})) as extra, (select count(*) from (select * from ${model} except all select * from candidate)) as missing`).execute(c);
  console.log(rows);
});
await db.destroy();
