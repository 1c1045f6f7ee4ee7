import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { literal } from '../warehouse/sql-text.js';
import { type ColumnSpec, typedColumn } from './check-rows.js';
import { temp } from './temp-tables.js';

/**
 * Writes to ops.quarantine, with its line, reason (public_reason: the same without the values,
 * which may be personal data) and every field as read, each row of `checked` that has a reason,
 * and (with `withRejects`) each line in `rejects` that could not be read at all, whose reader's
 * message names no value. Returns how many rows it quarantined.
 */
export async function quarantineRows(
  db: Kysely<Database>,
  file: { fileId: number; path: string; table: string },
  present: ColumnSpec[],
  withRejects: boolean,
): Promise<number> {
  const origin = `${file.fileId}, ${literal(file.path)}, ${literal(file.table)}`;
  const unreadable = withRejects
    ? `union all
    select ${origin}, line, 'unreadable line: ' || error_message, 'unreadable line: ' || error_message, to_json({line: csv_line})::varchar, now()::timestamp
    from ${temp.rejects}`
    : '';
  const result = await sql
    .raw(`insert into ops.quarantine (file_id, path, table_name, line, reason, public_reason, record, quarantined_at)
    select ${origin}, _line, _reason, _public_reason, to_json(record)::varchar, now()::timestamp
    from (select _line, _reason, _public_reason,
                 struct_pack(*columns(* exclude (_line, _reason, _public_reason, ${present.map((column) => typedColumn(column.name)).join(', ')}))) as record
          from ${temp.checked} where _reason <> '')
    ${unreadable}`)
    .execute(db);
  return Number(result.numAffectedRows ?? 0);
}
