import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';

/**
 * The temp tables a load passes between its steps, on one connection:
 * read-input.ts fills `fields` (every field as text, with its file `_line`) and `rejects` (lines
 * that could not be split), and selects a table's rows into `incoming`; check-rows.ts types and
 * checks them into `checked` (`_reason` says what is wrong, '' when nothing), also by the rules that
 * load-rules.ts reads into `loadRules`; load-file.ts stores the good rows and quarantine-rows.ts
 * the others. The rest are intermediate steps of reading:
 * `lines` (a text file's lines, `_line` and `text`), `recordLines` (find-records.ts: the lines
 * that make up records; `recordTexts`, the records whose field count is wrong), `rowLines` (the line
 * each row of DuckDB's CSV reader begins on).
 */
export const temp = {
  fields: '_fields',
  rejects: '_rejects',
  incoming: '_incoming',
  checked: '_checked',
  loadRules: '_load_rules',
  records: '_records',
  lines: '_lines',
  recordLines: '_record_lines',
  recordTexts: '_record_texts',
  multiLine: '_multi_line',
  quoteStops: '_quote_stops',
  rowLines: '_row_lines',
  readRejects: '_read_rejects',
  placed: '_placed',
  typed: '_typed',
  csvRejects: '_csv_rejects',
  rejectScans: '_reject_scans',
} as const;

export async function dropTempTables(db: Kysely<Database>): Promise<void> {
  await sql
    .raw(
      Object.values(temp)
        .map((table) => `drop table if exists ${table};`)
        .join('\n'),
    )
    .execute(db);
}
