import type { Macros } from '../../run/read-macros.js';
import { literal } from '../../warehouse/sql-text.js';
import { type Token, tokenize } from '../implicit-aliases.js';

/** A build parameter as PostgreSQL reads it: its value as text (NULL: not set) and its PostgreSQL type. */
export interface BoundVariable {
  value: string | null;
  /** undefined: a type the engine does not carry over (DuckDB's, named in duckdbType), which a model may not read there. */
  type: string | undefined;
  duckdbType: string;
  /** Read from the session's temporary table build_secrets, never written into SQL text, which servers log (the member salt). */
  secret?: boolean;
}

interface MacroDefinition {
  parameters: Array<{ name: string; fallback: string | undefined }>;
  body: string;
}

/**
 * A model's query (portable SQL, portable-sql.ts) as PostgreSQL runs it: every call of a macro of
 * models/macros.sql written out in place, as DuckDB expands a macro, and every getvariable('name')
 * bound as a typed literal. The macros that `native` names (postgres-functions.sql defines them as
 * functions, their DuckDB bodies not being portable) stay calls.
 */
export function toPostgresSql(
  query: string,
  macros: Macros,
  native: ReadonlySet<string>,
  variables: ReadonlyMap<string, BoundVariable>,
): string {
  const parsed = new Map<string, MacroDefinition>();
  const definitions = (name: string) => {
    const text = native.has(name) ? undefined : macros.definitions.get(name);
    if (text !== undefined && !parsed.has(name)) parsed.set(name, parseMacro(name, text));
    return parsed.get(name);
  };
  let text = query;
  // A macro calls others, which the next pass writes out; the file defines no recursion.
  for (let pass = 0; pass < 10; pass++) {
    const next = expandOnce(text, definitions, variables);
    if (next === text) return text;
    text = next;
  }
  throw new Error('macros call each other more than 10 deep');
}

// Each outermost macro call or getvariable of the text, replaced.
function expandOnce(
  text: string,
  definitions: (name: string) => MacroDefinition | undefined,
  variables: ReadonlyMap<string, BoundVariable>,
): string {
  const tokens = tokenize(text);
  let out = '';
  let copied = 0;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    const word = token.text.toLowerCase();
    if (tokens[index + 1]?.text !== '(' || tokens[index - 1]?.text === '.') continue;
    const macro = word === 'getvariable' ? undefined : definitions(word);
    if (word !== 'getvariable' && !macro) continue;
    const close = closingIndex(tokens, index + 1);
    const args = splitArguments(tokens.slice(index + 2, close), text);
    const replacement = word === 'getvariable' ? boundVariable(args, variables) : written(word, macro!, args);
    out += text.slice(copied, token.index) + replacement;
    copied = tokens[close]!.index + 1;
    index = close;
  }
  return out + text.slice(copied);
}

function boundVariable(args: Argument[], variables: ReadonlyMap<string, BoundVariable>): string {
  const name = /^'([a-z_][a-z0-9_]*)'$/.exec(args[0]?.value ?? '')?.[1];
  if (args.length !== 1 || !name)
    throw new Error(`getvariable takes one name in quotes: getvariable(${args.map((arg) => arg.value).join(', ')})`);
  const variable = variables.get(name);
  // Unset, DuckDB's getvariable gives NULL.
  if (!variable) return 'null';
  if (!variable.type) throw new Error(`getvariable('${name}') is a ${variable.duckdbType}, which the PostgreSQL engine does not bind`);
  if (variable.secret) return `cast((select value from pg_temp.build_secrets where name = ${literal(name)}) as ${variable.type})`;
  return `cast(${variable.value === null ? 'null' : literal(variable.value)} as ${variable.type})`;
}

function written(name: string, macro: MacroDefinition, args: Argument[]): string {
  const values = new Map<string, string>();
  for (const [position, arg] of args.entries()) {
    const parameter = arg.name ?? macro.parameters[position]?.name;
    if (!parameter || !macro.parameters.some((candidate) => candidate.name === parameter))
      throw new Error(`${name}: no parameter ${arg.name ?? `at position ${position + 1}`}`);
    values.set(parameter, arg.value);
  }
  for (const { name: parameter, fallback } of macro.parameters) {
    if (values.has(parameter)) continue;
    if (fallback === undefined) throw new Error(`${name}: no value for ${parameter}`);
    values.set(parameter, fallback);
  }
  const body = tokenize(macro.body);
  let out = '';
  let copied = 0;
  for (const [index, token] of body.entries()) {
    const value = values.get(token.text.toLowerCase());
    const named = body[index + 1]?.text === ':' && body[index + 2]?.text === '=';
    // A name after `.`, `::` or `as`, or before `(`, is a field, type, alias or function, not the parameter.
    const after = body[index - 1]?.text.toLowerCase();
    if (value === undefined || named || after === '.' || after === '::' || after === 'as' || body[index + 1]?.text === '(') continue;
    out += `${macro.body.slice(copied, token.index)}(${value})`;
    copied = token.index + token.text.length;
  }
  // On a line of its own: a comment ending the body must not swallow the bracket.
  return `(${out}${macro.body.slice(copied)}\n)`;
}

interface Argument {
  name: string | undefined;
  value: string;
}

// The arguments between a call's brackets, split at its own commas; `name := value` is named.
function splitArguments(inner: Token[], text: string): Argument[] {
  if (inner.length === 0) return [];
  const depth = inner[0]!.depth;
  const groups: Token[][] = [[]];
  for (const token of inner) {
    if (token.text === ',' && token.depth === depth) groups.push([]);
    else groups.at(-1)!.push(token);
  }
  return groups.map((group) => {
    const named = group[1]?.text === ':' && group[2]?.text === '=';
    const from = named ? group[3]! : group[0]!;
    const last = group.at(-1)!;
    return { name: named ? group[0]!.text.toLowerCase() : undefined, value: text.slice(from.index, last.index + last.text.length) };
  });
}

function closingIndex(tokens: Token[], open: number): number {
  const depth = tokens[open]!.depth;
  for (let index = open + 1; index < tokens.length; index++)
    if (tokens[index]!.text === ')' && tokens[index]!.depth === depth) return index;
  throw new Error(`unclosed bracket at character ${tokens[open]!.index}`);
}

// `create or replace temp macro name(a, b := 1) as body;` into its parameters and body.
function parseMacro(name: string, text: string): MacroDefinition {
  const tokens = tokenize(text);
  const open = tokens.findIndex((token) => token.text === '(');
  const close = closingIndex(tokens, open);
  if (tokens[close + 1]?.text.toLowerCase() !== 'as' || tokens[close + 2]?.text.toLowerCase() === 'table')
    throw new Error(`models/macros.sql: ${name} is not a scalar macro (name(…) as expression), which is all PostgreSQL can expand`);
  const parameters = splitArguments(tokens.slice(open + 1, close), text).map((arg) =>
    arg.name ? { name: arg.name, fallback: arg.value } : { name: arg.value.toLowerCase(), fallback: undefined },
  );
  const start = tokens[close + 2]!.index;
  const end = tokens.at(-1)!.text === ';' ? tokens.at(-1)!.index : text.length;
  return { parameters, body: text.slice(start, end).trim() };
}
