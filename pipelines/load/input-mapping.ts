import { existsSync, readFileSync } from 'node:fs';
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
  /** Field names; required without a header, and they replace the header's names when given. */
  fields: z.array(z.string().regex(/^[a-z_][a-z0-9_]*$/i)).optional(),
  columns: z.record(z.string(), z.string().min(1)),
}).strict();

export type InputMapping = z.infer<typeof mappingSchema> & { name: string };

const mappingsDir = new URL('./mappings/', import.meta.url).pathname;

/** A mapping by name (pipelines/load/mappings/<name>.json) or by path. */
export function readMapping(nameOrPath: string): InputMapping {
  const path = existsSync(nameOrPath) ? nameOrPath : join(mappingsDir, `${nameOrPath}.json`);
  if (!existsSync(path)) throw new Error(`no mapping '${nameOrPath}': not a file, and not one of pipelines/load/mappings/*.json`);
  const parsed = mappingSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) {
    throw new Error(`${path}: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'mapping'}: ${issue.message}`).join('; ')}`);
  }
  if (!parsed.data.header && !parsed.data.fields) throw new Error(`${path}: a file without header needs "fields"`);
  return { ...parsed.data, name: nameOrPath };
}
