// String literals, quoted identifiers and comments, which a relation's name may appear in without
// being read.
const notCode = /'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\//g;

/**
 * The query with every plain `schema.table` reference to a relation of `replacements` replaced by
 * the relation it maps to; literals, quoted identifiers and comments are left as they are.
 */
export function replaceRelations(query: string, replacements: ReadonlyMap<string, string>): string {
  if (replacements.size === 0) return query;
  const names = [...replacements.keys()].map((name) => name.replace('.', '\\.')).join('|');
  const reference = new RegExp(`(?<![\\w.])(${names})(?!\\w)`, 'g');
  const replaceIn = (code: string) => code.replace(reference, (name) => replacements.get(name)!);
  let replaced = '';
  let from = 0;
  for (const match of query.matchAll(notCode)) {
    replaced += replaceIn(query.slice(from, match.index)) + match[0];
    from = match.index + match[0].length;
  }
  return replaced + replaceIn(query.slice(from));
}
