import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { withFileAccessOff } from '../warehouse/open-warehouse.js';
import { writeRows } from './export-audience.js';

/** The service staff's work lists, models of schema worklists (never published), each in the order the staff work through it. */
const worklists = [
  { list: 'bad_reviews', orderBy: 'rated_at desc, order_id, product_id' },
  { list: 'abnormal_logistics', orderBy: 'days_since_shipment desc, order_id' },
] as const;

export interface WrittenWorklist {
  list: (typeof worklists)[number]['list'];
  path: string;
  rows: number;
}

/**
 * Writes the service staff's work lists (中差评服务, 异常物流) as of the warehouse's as-of date to
 * `<dir>/<as-of date>/<list>.csv`, for a spreadsheet: UTF-8 with a byte-order mark (Excel reads
 * the Chinese right), and a cell a spreadsheet would run as a formula, as a review text may be,
 * gets a leading '. No buyer id, phone or address: the members are the salted ids of the marts.
 */
export async function writeWorklists(db: Kysely<Database>, dir: string): Promise<{ asOfDate: string; files: WrittenWorklist[] }> {
  const { rows: built } = await sql<{ name: string }>`
    select table_name as name from information_schema.tables where table_schema = 'worklists'`.execute(db);
  const missing = worklists.filter(({ list }) => !built.some((table) => table.name === list));
  if (missing.length > 0)
    throw new Error(`worklists: ${missing.map(({ list }) => `worklists.${list}`).join(', ')} not built; run refresh (or build) first`);
  const { rows } = await sql<{ as_of_date: string | null }>`
    select strftime(as_of_date, '%Y-%m-%d') as as_of_date from intermediate.int_as_of_date_resolved`.execute(db);
  const asOfDate = rows[0]?.as_of_date;
  if (!asOfDate) throw new Error('worklists: the warehouse has no as-of date, it holds no purchase; load orders and refresh first');
  const folder = join(dir, asOfDate);
  mkdirSync(folder, { recursive: true });
  const files = worklists.map(({ list, orderBy }) => ({ list, orderBy, path: join(folder, `${list}.csv`) }));
  const written = await withFileAccessOff(
    db,
    files.map((file) => file.path),
    async () => {
      const counted: WrittenWorklist[] = [];
      for (const { list, orderBy, path } of files) {
        const query = `select * from worklists.${list} order by ${orderBy}`;
        await writeRows(db, query, path, 'csv');
        const { rows: count } = await sql.raw<{ rows: number }>(`select count(*)::integer as rows from worklists.${list}`).execute(db);
        counted.push({ list, path, rows: count[0]!.rows });
      }
      return counted;
    },
  );
  for (const { path } of written) writeFileSync(path, `\uFEFF${readFileSync(path, 'utf8')}`);
  return { asOfDate, files: written };
}
