import { type Kysely, sql } from 'kysely';
import type { Database } from './database.js';
import type { JsValue } from './to-js-value.js';

export const queryFormats = ['table', 'csv', 'json'] as const;
export type QueryFormat = (typeof queryFormats)[number];

/** Runs one statement and renders its rows: an aligned table for people, CSV or JSON for scripts. */
export async function runQuery(db: Kysely<Database>, text: string, format: QueryFormat): Promise<string> {
  const { rows } = await sql.raw<Record<string, JsValue>>(text).execute(db);
  const columns = Object.keys(rows[0] ?? {});
  if (format === 'json')
    return `${JSON.stringify(
      rows.map((row) => mapValues(row, toPlain)),
      null,
      2,
    )}\n`;
  if (format === 'csv') {
    const lines = [columns.map(csvField), ...rows.map((row) => columns.map((column) => csvField(toText(row[column] ?? null))))];
    return lines.map((line) => `${line.join(',')}\n`).join('');
  }
  if (rows.length === 0) return '(0 rows)\n';
  const cells = [columns, ...rows.map((row) => columns.map((column) => toText(row[column] ?? null)))];
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => displayWidth(line[index] ?? ''))));
  const render = (line: string[]) =>
    line
      .map((cell, index) => cell + ' '.repeat((widths[index] ?? 0) - displayWidth(cell)))
      .join('  ')
      .trimEnd();
  return (
    [
      render(columns),
      widths.map((width) => '-'.repeat(width)).join('  '),
      ...cells.slice(1).map(render),
      `(${rows.length} row${rows.length === 1 ? '' : 's'})`,
    ].join('\n') + '\n'
  );
}

function toPlain(value: JsValue): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(toPlain);
  return value;
}

function toText(value: JsValue): string {
  if (value === null) return '';
  if (value instanceof Date)
    return value
      .toISOString()
      .replace('T', ' ')
      .replace(/\.000Z$|Z$/, '');
  if (Array.isArray(value)) return JSON.stringify(value.map(toPlain));
  return String(value);
}

function csvField(text: string): string {
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

// CJK characters take two columns in a terminal.
function displayWidth(text: string): number {
  let width = 0;
  for (const char of text)
    width += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/.test(char) ? 2 : 1;
  return width;
}

function mapValues<T, U>(record: Record<string, T>, map: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(value)]));
}
