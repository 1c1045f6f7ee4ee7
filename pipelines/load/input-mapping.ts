import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

/**
 * How a non-canonical file maps onto a canonical table: how to split it into fields, and for
 * each canonical column a DuckDB expression over those fields (all text). Use try_ functions
 * (try_strptime, try_cast) so that a bad value quarantines its row instead of failing the file.
 */
const mappingSchema = z.object({
  description: z.string(),
  table: z.string(),
  /** A delimiter character, or "whitespace" for runs of spaces and tabs. */
  delimiter: z.string().min(1).default(','),
  header: z.boolean().default(true),
  /** The encoding of files that are not valid UTF-8 (decoded to UTF-8 first); UTF-8, with or without BOM, is read as it is. */
  encoding: z.enum(['utf-8', 'gbk']).default('utf-8'),
  /** Header fields that, all present, identify a file of this layout when no mapping is named. */
  detect: z.array(z.string()).optional(),
  /** Field names; required without a header, and they replace the header's names when given. */
  fields: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/i)).optional(),
  columns: z.record(z.string(), z.string().min(1)),
  /** Columns whose fields some exports lack: used when the file has the fields they read. */
  optional_columns: z.record(z.string(), z.string().min(1)).default({}),
}).strict();

export type InputMapping = z.infer<typeof mappingSchema> & { name: string };

const mappingsDir = new URL('./mappings/', import.meta.url).pathname;

/** The shipped mappings that can be recognised from a file's header. */
export function detectableMappings(): InputMapping[] {
  return readdirSync(mappingsDir).filter((file) => file.endsWith('.json')).sort()
    .map((file) => readMapping(file.replace(/\.json$/, ''))).filter((mapping) => mapping.detect);
}

/** The mapping whose detect fields are all among the header's fields, if any. */
export function detectMapping(headerFields: string[]): InputMapping | undefined {
  return detectableMappings().find((mapping) => mapping.detect!.every((field) => headerFields.includes(field)));
}

/** A mapping by name (pipelines/load/mappings/<name>.json) or by path. */
export function readMapping(nameOrPath: string): InputMapping {
  const path = existsSync(nameOrPath) ? nameOrPath : join(mappingsDir, `${nameOrPath}.json`);
  if (!existsSync(path)) throw new Error(`no mapping '${nameOrPath}': not a file, and not one of pipelines/load/mappings/*.json`);
  const parsed = mappingSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${path}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'mapping'}: ${issue.message}`).join('; ')}`);
  }
  if (parsed.data.detect && !parsed.data.header) throw new Error(`${path}: "detect" needs a file with a header`);
  if (!parsed.data.header && !parsed.data.fields) throw new Error(`${path}: a file without header needs "fields"`);
  return { ...parsed.data, name: nameOrPath };
}
