import { DuckDBInstance } from '@duckdb/node-api';
const i = await DuckDBInstance.create(':memory:'); const c = await i.connect();
const r = await c.runAndReadAll(`select * from read_csv('/tmp/tm.csv', header=true, all_varchar=true, strict_mode=true, delim=',')`); console.log(r.getRowObjects());
const q = await c.runAndReadAll(`select try_strptime('2026/11/11 20:01:02', ['%Y-%m-%d %H:%M:%S', '%Y/%m/%d %H:%M:%S']) as t`); console.log(q.getRowObjects());
