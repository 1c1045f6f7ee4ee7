import { basename } from 'node:path';
import { saveAsCsv } from './text-encoding.js';

export const inputFormats = ['csv', 'parquet', 'jsonl', 'arrow'] as const;
export type InputFormat = (typeof inputFormats)[number];

const formatsByExtension: Record<string, InputFormat> = {
  '.csv': 'csv',
  '.txt': 'csv',
  '.tsv': 'csv',
  '.parquet': 'parquet',
  '.jsonl': 'jsonl',
  '.ndjson': 'jsonl',
  '.json': 'jsonl',
  '.arrow': 'arrow',
  '.arrows': 'arrow',
  '.feather': 'arrow',
  '.ipc': 'arrow',
};

export function detectFormat(path: string): InputFormat {
  const extension = /\.[a-z]+$/i.exec(path)?.[0].toLowerCase() ?? '';
  const format = formatsByExtension[extension];
  if (/^\.xls[xmb]?$/.test(extension)) throw new Error(`${path}: an Excel workbook, not CSV text: ${saveAsCsv}`);
  if (!format)
    throw new Error(`${path}: unknown file type '${extension}' (known: ${Object.keys(formatsByExtension).join(' ')}; or pass --format)`);
  return format;
}

/** `orders.csv`, `orders-2026-11-21.jsonl`, `campaign_contacts_1.parquet` name their table. */
export function detectTable(path: string, tables: string[]): string {
  const stem = basename(path)
    .replace(/\.[^.]+$/, '')
    .toLowerCase();
  const match = [...tables].sort((a, b) => b.length - a.length).find((table) => new RegExp(`^${table}(?![a-z])`).test(stem));
  if (!match)
    throw new Error(
      `${path}: cannot tell which table this file is from its name; name it after one of ${tables.join(', ')} or pass --table`,
    );
  return match;
}
