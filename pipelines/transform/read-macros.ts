import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The SQL macros models may call: models/macros.sql, created in the build's session only. */
export interface Macros {
  /** The file's statements, run at the start of every build session. */
  sql: string;
  /** The names it defines, read from the file itself. */
  names: string[];
}

const definition = /\bcreate\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?macro\s+([a-z_][a-z0-9_]*)/gi;

export function readMacros(modelsDir: string): Macros {
  const sql = readFileSync(join(modelsDir, 'macros.sql'), 'utf8');
  return { sql, names: [...sql.matchAll(definition)].map(([, name]) => name!.toLowerCase()) };
}

/** The macros a query calls. */
export function macrosCalled(query: string, macros: Macros): string[] {
  return macros.names.filter((name) => new RegExp(`\\b${name}\\s*\\(`, 'i').test(query));
}
