import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { type InputFormat, inputFormats } from './detect-input.js';

/**
 * How a non-canonical file maps onto a canonical table: how to split it into fields, and for
 * each canonical column a DuckDB expression over those fields (all text). Use try_ functions
 * (try_strptime, try_cast) so that a bad value quarantines its row instead of failing the file.
 */
const tableMappingSchema = z
  .object({
    /**
     * Which records are rows of this table, when not all are: a condition over the fields, which
     * may use window functions (a Shopify order is the first line of its Name). The other records
     * belong to the file's other tables.
     */
    rows: z.string().min(1).optional(),
    columns: z.record(z.string(), z.string().min(1)),
    /** Columns whose fields some exports lack: used when the file has the fields they read. */
    optional_columns: z.record(z.string(), z.string().min(1)).default({}),
  })
  .strict();

const mappingSchema = z
  .object({
    description: z.string(),
    /** A delimiter character, or "whitespace" for runs of spaces and tabs. */
    delimiter: z.string().min(1).default(','),
    header: z.boolean().default(true),
    /**
     * The encoding of files that are not valid UTF-8 (decoded to UTF-8 first; bytes not valid in it refuse the file); UTF-8, with
     * or without BOM, is read as it is, and UTF-16 by its BOM.
     */
    encoding: z.enum(['utf-8', 'gbk', 'gb18030', 'big5']).default('utf-8'),
    /** Header fields that, all present, identify a file of this layout when no mapping is named. */
    detect: z.array(z.string()).optional(),
    /** Field names; required without a header, and they replace the header's names when given. */
    fields: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/i)).optional(),
    /** The canonical tables the file feeds (one file may feed several), in load order. */
    tables: z.record(z.string(), tableMappingSchema).refine((tables) => Object.keys(tables).length > 0, 'needs at least one table'),
  })
  .strict();

/** `file`: where the mapping was read, as refusals name it (a shipped one by its path in the repository). */
export type InputMapping = z.infer<typeof mappingSchema> & { name: string; file: string };
export type TableMapping = z.infer<typeof tableMappingSchema>;

const mappingsDir = new URL('./mappings/', import.meta.url).pathname;

/** The shipped layouts: pipelines/load/mappings/<name>.json. */
export function layoutNames(): string[] {
  return readdirSync(mappingsDir)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => file.replace(/\.json$/, ''));
}

/** `--format`: a container format for canonical files, or a shipped layout's name. */
export function readFormat(name: string): { format?: InputFormat; mapping?: InputMapping } {
  if ((inputFormats as readonly string[]).includes(name)) return { format: name as InputFormat };
  if (layoutNames().includes(name)) return { mapping: readMapping(name) };
  throw new Error(`unknown format '${name}': one of ${[...inputFormats, ...layoutNames()].join(', ')}`);
}

/** The shipped mappings that can be recognised from a file's header. */
export function detectableMappings(): InputMapping[] {
  return layoutNames()
    .map((name) => readMapping(name))
    .filter((mapping) => mapping.detect);
}

/** The mapping whose detect fields are all among the header's fields, if any. */
export function detectMapping(headerFields: string[]): InputMapping | undefined {
  return detectableMappings().find((mapping) => mapping.detect!.every((field) => headerFields.includes(field)));
}

/** A mapping by name (pipelines/load/mappings/<name>.json) or by path. */
export function readMapping(nameOrPath: string): InputMapping {
  const path = existsSync(nameOrPath) ? nameOrPath : join(mappingsDir, `${nameOrPath}.json`);
  if (!existsSync(path)) throw new Error(`no mapping '${nameOrPath}': not a file, and not one of pipelines/load/mappings/*.json`);
  const parsed = mappingSchema.safeParse(readJson(path));
  if (!parsed.success) {
    throw new Error(`${path}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'mapping'}: ${issue.message}`).join('; ')}`);
  }
  if (parsed.data.detect && !parsed.data.header) throw new Error(`${path}: "detect" needs a file with a header`);
  if (!parsed.data.header && !parsed.data.fields) throw new Error(`${path}: a file without header needs "fields"`);
  const file = path === nameOrPath ? path : `pipelines/load/mappings/${nameOrPath}.json`;
  return { ...parsed.data, name: nameOrPath, file };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message}): fix the mapping file`);
  }
}
