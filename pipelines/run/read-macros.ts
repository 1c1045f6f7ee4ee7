import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The SQL macros models may call: models/macros.sql, created in the build's session only. */
export interface Macros {
  /** The file's statements, run at the start of every build session. */
  sql: string;
  /** The names it defines, read from the file itself. */
  names: string[];
  /** Each name → the text of its definition, `create … ;`: what a model calling it depends on. */
  definitions: Map<string, string>;
}

const definition = /\bcreate\s+(?:or\s+replace\s+)?(?:temp(?:orary)?\s+)?macro\s+([a-z_][a-z0-9_]*)/gi;

export function readMacros(modelsDir: string): Macros {
  const sql = readFileSync(join(modelsDir, 'macros.sql'), 'utf8');
  const definitions = macroDefinitions(sql);
  return { sql, names: [...definitions.keys()], definitions };
}

/** Each macro a file of SQL statements defines → the text of its definition, `create … ;`. */
export function macroDefinitions(sql: string): Map<string, string> {
  const definitions = new Map<string, string>();
  for (const match of sql.matchAll(definition)) {
    // A name defined again (create or replace) is the later definition in the session.
    definitions.set(match[1]!.toLowerCase(), sql.slice(match.index, statementEnd(sql, match.index)));
  }
  return definitions;
}

// Just after the `;` that ends the statement starting at `from`: skipping those in quoted text and comments.
function statementEnd(sql: string, from: number): number {
  const token = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|;/g;
  token.lastIndex = from;
  for (let found = token.exec(sql); found; found = token.exec(sql)) if (found[0] === ';') return token.lastIndex;
  return sql.length;
}

/**
 * The macros a query calls, and those their definitions call in turn, in the file's order: a change
 * to any of them changes what the query computes.
 */
export function macrosCalled(query: string, macros: Macros): string[] {
  const called = new Set<string>();
  const visit = (text: string) => {
    for (const name of macros.names) {
      if (called.has(name) || !new RegExp(`\\b${name}\\s*\\(`, 'i').test(text)) continue;
      called.add(name);
      visit(macros.definitions.get(name)!);
    }
  };
  visit(query);
  return macros.names.filter((name) => called.has(name));
}
