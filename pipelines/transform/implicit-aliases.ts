import { eachNode } from '../warehouse/each-node.js';
import { queryPositions } from './query-positions.js';

export interface Token {
  text: string;
  index: number;
  /** How many brackets (round, square, curly) are open around it; a bracket counts as outside itself. */
  depth: number;
}

// Blanks and comments (skipped), then strings, quoted identifiers, words, numbers, `::`, any other character.
const tokenPattern =
  /\s+|--[^\n]*|\/\*[\s\S]*?\*\/|'(?:[^']|'')*'|"(?:[^"]|"")*"|[\p{L}_][\p{L}\p{N}_$]*|\d+(?:\.\d*)?(?:e[+-]?\d+)?|::|[\s\S]/giu;
// Words that end a select list where they stand at its own depth.
const listEnds = new Set('from where group having window qualify order limit offset union except intersect into ;'.split(' '));

/**
 * The aliases of select-list expressions written without AS, as `expression alias`: DuckDB reads
 * `member_id spent` (a missing comma) as `member_id as spent`. Each select list of the parsed query
 * (json_serialize_sql's tree) is split at its commas; an expression whose alias is its last token,
 * with no AS before it, is one. A list this cannot split as DuckDB did is passed over.
 */
export function implicitAliases(query: string, tree: unknown): Token[] {
  const tokens = tokenize(query);
  const positions = queryPositions(query);
  const found: Token[] = [];
  for (const node of selectNodes(tree)) {
    const items = node.select_list as Array<{ alias?: string }>;
    if (!items.some((item) => item.alias)) continue;
    const first = positions.fromByte(earliestLocation(items[0]));
    const start = first === undefined ? -1 : tokens.findIndex((token) => token.index >= first);
    const list = start < 0 ? undefined : selectList(tokens, start);
    if (list?.length !== items.length) continue;
    for (const [position, item] of items.entries()) {
      const written = list[position]!;
      const alias = written.at(-1);
      const before = written.at(-2);
      const prefixAlias = written[1]?.text === ':';
      if (item.alias && alias && before && !prefixAlias && names(alias, item.alias) && before.text.toLowerCase() !== 'as')
        found.push(alias);
    }
  }
  return found;
}

/** The query's tokens (comments and blanks left out), each with its index and bracket depth. */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let depth = 0;
  for (const match of query.matchAll(tokenPattern)) {
    const text = match[0];
    if (/^\s|^--|^\/\*/.test(text)) continue;
    if (')]}'.includes(text)) depth--;
    tokens.push({ text, index: match.index, depth });
    if ('([{'.includes(text)) depth++;
  }
  return tokens;
}

// The expressions of the select list whose first expression holds token `start`, each as its tokens:
// back to the SELECT that opens the list, past DISTINCT [ON (…)] or ALL, then split at commas until
// the list ends.
function selectList(tokens: Token[], start: number): Token[][] | undefined {
  let open = start;
  let depth = tokens[start]!.depth;
  while (open >= 0 && !(tokens[open]!.text.toLowerCase() === 'select' && tokens[open]!.depth === depth)) {
    open--;
    depth = Math.min(depth, tokens[open]?.depth ?? depth);
  }
  if (open < 0) return undefined;
  let next = open + 1;
  const word = () => tokens[next]?.text.toLowerCase();
  if (word() === 'all') next++;
  if (word() === 'distinct') next++;
  if (word() === 'on') {
    next += 2;
    while (next < tokens.length && !(tokens[next]!.text === ')' && tokens[next]!.depth === depth)) next++;
    next++;
  }
  const list: Token[][] = [[]];
  for (; next < tokens.length; next++) {
    const token = tokens[next]!;
    if (token.depth < depth || (token.depth === depth && listEnds.has(token.text.toLowerCase()))) break;
    if (token.depth === depth && token.text === ',') list.push([]);
    else list.at(-1)!.push(token);
  }
  return list;
}

function names(token: Token, alias: string): boolean {
  return token.text.startsWith('"')
    ? token.text.slice(1, -1).replaceAll('""', '"') === alias
    : token.text.toLowerCase() === alias.toLowerCase();
}

// Every SELECT_NODE of the tree, nested ones included.
function selectNodes(tree: unknown): Array<Record<string, unknown>> {
  const found: Array<Record<string, unknown>> = [];
  eachNode(tree, (node) => {
    if (node.type === 'SELECT_NODE' && Array.isArray(node.select_list) && node.select_list.length > 0) found.push(node);
  });
  return found;
}

// The first byte offset in an expression, its subqueries' own lists aside: an operator's location
// is the operator's, after its left operand.
function earliestLocation(node: unknown): number {
  if (Array.isArray(node)) return Math.min(Infinity, ...node.map(earliestLocation));
  if (node === null || typeof node !== 'object') return Infinity;
  const record = node as Record<string, unknown>;
  if (record.type === 'SELECT_NODE') return Infinity;
  const own = typeof record.query_location === 'number' ? record.query_location : Infinity;
  return Math.min(own, ...Object.values(record).map(earliestLocation));
}
