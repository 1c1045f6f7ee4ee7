import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';
import { literal } from '../warehouse/sql-text.js';
import { temp } from './temp-tables.js';

/**
 * Which lines of temp table `lines` (a delimited text file's lines: `_line`, `text`) make up its
 * records, split as DuckDB's CSV reader splits them with quote and escape `"` (a quoted field may
 * hold delimiters, doubled quotes and line breaks), into temp table `record_lines` (`_line`, and
 * `_starts` where a record begins; the header is one). A line whose quotes do not balance goes to
 * `rejects` on its own, and reading goes on at the next line: a quote that is never closed does
 * not swallow the lines after it, as it would in DuckDB's reader. Its reason is `unterminated
 * quote` (a quoted field that no later line closes as a record), or `stray quote` (a quote inside
 * an unquoted field or text after a closing quote, which DuckDB would keep as text or fail on).
 * Blank lines between records belong to none: DuckDB skips them. A record whose number of fields
 * is not the header's (or `fieldCount`, for a file without header) is rejected too.
 */
export async function findRecords(
  db: Kysely<Database>,
  delimiter: string,
  firstLine: number,
  fieldCount: number | undefined,
): Promise<void> {
  const pattern = patterns(delimiter);
  const lines = await linesToSettle(db, pattern, firstLine);
  const closing = await closingLines(
    db,
    pattern,
    lines.filter((line) => line.outside === 'opens').map((line) => line.line),
  );
  const unreadable: Array<[number, string]> = [];
  const multiLine: Array<[number, number]> = [];
  let coveredTo = 0;
  for (const { line, outside } of lines) {
    if (line <= coveredTo) continue;
    const last = closing.get(line);
    if (outside === 'stray') unreadable.push([line, 'stray quote']);
    else if (last === undefined) unreadable.push([line, 'unterminated quote']);
    else {
      multiLine.push([line, last]);
      coveredTo = last;
    }
  }
  await sql
    .raw(`create temp table ${temp.multiLine} (first bigint, last bigint);
    ${multiLine.length > 0 ? `insert into ${temp.multiLine} values ${multiLine.map(([first, last]) => `(${first}, ${last})`).join(', ')};` : ''}
    ${
      unreadable.length > 0
        ? `insert into ${temp.rejects} select _line, text, reason from ${temp.lines}
           inner join (values ${unreadable.map(([line, reason]) => `(${line}, ${literal(reason)})`).join(', ')}) as unreadable(line, reason) on unreadable.line = _line;`
        : ''
    }
    create temp table ${temp.recordLines} as
    select _line, not continues as _starts
    from (select ${temp.lines}._line, text, coalesce(${temp.lines}._line > ${temp.multiLine}.first, false) as continues
          from ${temp.lines} left join ${temp.multiLine} on ${temp.lines}._line between ${temp.multiLine}.first and ${temp.multiLine}.last)
    where (text is not null or continues) and _line not in (select line from ${temp.rejects});
    drop table ${temp.multiLine}`)
    .execute(db);
  await rejectFieldCounts(db, pattern, firstLine, fieldCount);
}

/**
 * Moves each record of `recordLines` whose number of fields is not the header's (or `fieldCount`)
 * to `rejects` with both counts: DuckDB would read one with extra empty fields at its end as a
 * whole record, its fields shifted. Fields are counted by their delimiters outside quoted fields.
 */
async function rejectFieldCounts(
  db: Kysely<Database>,
  pattern: Patterns,
  firstLine: number,
  fieldCount: number | undefined,
): Promise<void> {
  const fields = `len(string_split(regexp_replace(text, ${literal(pattern.quoted)}, '', 'g'), ${literal(pattern.delimiter)}))`;
  const expected = fieldCount ?? '(select fields from counted where first = 1)';
  await sql
    .raw(`create temp table ${temp.recordTexts} as
    with records as (
      select first, max(_line) as last, string_agg(coalesce(text, ''), chr(10) order by _line) as text
      from (select _line, text, max(if(_starts, _line, null)) over (order by _line) as first
            from ${temp.recordLines} inner join ${temp.lines} using (_line))
      group by first
    ), counted as (select *, ${fields} as fields from records)
    select first, last, text, fields, ${expected} as expected from counted where first >= ${firstLine} and fields <> ${expected};
    insert into ${temp.rejects} select first, text, format('expected {} fields, found {}', expected, fields) from ${temp.recordTexts};
    delete from ${temp.recordLines} using ${temp.recordTexts} where _line between first and last;
    drop table ${temp.recordTexts}`)
    .execute(db);
}

/**
 * The lines that, read from outside a quoted field, are not whole records: those ending inside a
 * quoted field (`opens`) and those whose quotes are misplaced (`stray`), in order.
 */
async function linesToSettle(
  db: Kysely<Database>,
  pattern: Patterns,
  firstLine: number,
): Promise<Array<{ line: number; outside: 'opens' | 'stray' }>> {
  const { rows } = await sql
    .raw<{ line: number; outside: 'opens' | 'stray' }>(`select _line as line, outside
    from (select _line, case when ${matches(pattern.complete)} then 'complete' when ${matches(pattern.opens)} then 'opens' else 'stray' end as outside
          from ${temp.lines} where _line >= ${firstLine} and contains(text, '"'))
    where outside <> 'complete' order by _line`)
    .execute(db);
  return rows;
}

/**
 * For each line that opens a quoted field, the line that closes it and ends the record (through
 * lines that close one field and open another), if any: the first line after it that is not just
 * more of the field (an odd run of quotes in it) must close it. One query per field of the
 * record that spans lines.
 */
async function closingLines(db: Kysely<Database>, pattern: Patterns, opening: number[]): Promise<Map<number, number>> {
  const closing = new Map<number, number>();
  if (opening.length === 0) return closing;
  await sql
    .raw(`create temp table ${temp.quoteStops} as
    select _line from ${temp.lines} where _line > ${Math.min(...opening)} and contains(replace(text, '""', ''), '"')`)
    .execute(db);
  // Where each opening line's record has got to.
  let reached = new Map(opening.map((line) => [line, line]));
  while (reached.size > 0) {
    const { rows } = await sql
      .raw<{ position: number; stop: number | null; kind: 'closes' | 'reopens' | 'neither' }>(`
      select position.line as position, stop._line as stop,
        case when ${matches(pattern.closes)} then 'closes' when ${matches(pattern.reopens)} then 'reopens' else 'neither' end as kind
      from (values ${[...new Set(reached.values())].map((line) => `(${line})`).join(', ')}) as position(line)
      asof left join ${temp.quoteStops} as stop on position.line < stop._line
      left join ${temp.lines} on ${temp.lines}._line = stop._line`)
      .execute(db);
    const next = new Map(rows.map((row) => [row.position, row]));
    const going = new Map<number, number>();
    for (const [line, position] of reached) {
      const { stop, kind } = next.get(position)!;
      if (kind === 'closes') closing.set(line, stop!);
      else if (kind === 'reopens') going.set(line, stop!);
    }
    reached = going;
  }
  await sql.raw(`drop table ${temp.quoteStops}`).execute(db);
  return closing;
}

const matches = (regex: string) => `regexp_full_match(text, ${literal(regex)})`;

type Patterns = ReturnType<typeof patterns>;

/**
 * RFC 4180 fields as regular expressions (RE2) over one line: a quoted field is `"…"` with quotes
 * doubled inside; an unquoted one does not begin with a quote and holds quotes only in pairs
 * (`="3012"`), so that every line's quotes balance. From outside a quoted field a line is
 * `complete` or `opens` one that goes on; from inside one it `closes` it and ends the record, or
 * `reopens` another.
 */
function patterns(delimiter: string) {
  const d = delimiter.replace(/[\\^$.*+?()[\]{}|-]/g, '\\$&');
  const quoted = `"(?:[^"]|"")*"`;
  const unquoted = `(?:[^"${d}][^"${d}]*(?:"[^"${d}]*"[^"${d}]*)*)?`;
  const field = `(?:${quoted}|${unquoted})`;
  const fields = `(?:${d}${field})*`;
  const open = `"(?:[^"]|"")*`;
  const insideQuotes = `(?:[^"]|"")*`;
  return {
    delimiter,
    quoted,
    complete: `${field}${fields}`,
    opens: `(?:${field}${d})*${open}`,
    closes: `${insideQuotes}"${fields}`,
    reopens: `${insideQuotes}"${fields}${d}${open}`,
  };
}
