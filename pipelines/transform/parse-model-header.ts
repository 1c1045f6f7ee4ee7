import { audienceHeaderKeys } from './audience-header.js';
import { computations } from './computations/index.js';
import { type AsOfCut, type Materialization, ModelError, type ModelTest } from './model.js';

export interface ModelHeader {
  description: string;
  grain: string[];
  materialized: Materialization | undefined;
  incrementalKey: string | undefined;
  /** With `incremental_key: <column> = <upstream column>`: the upstream column that holds the key's values. */
  upstreamKey: string | undefined;
  /** `as_of_cut: <relation>.<column> <= <relation>.<column>`: the upstream rows an incremental model keeps up to an as-of date. */
  asOfCut: AsOfCut | undefined;
  compute: string | undefined;
  tests: ModelTest[];
  /** A standing audience's keys (audience-header.ts), as written. */
  audience: Record<string, string>;
}

const knownKeys = ['grain', 'materialized', 'incremental_key', 'as_of_cut', 'compute', 'tests'];
const testArity: Record<ModelTest['name'], [number, number]> = {
  unique: [1, Infinity],
  not_null: [1, Infinity],
  accepted_values: [2, Infinity],
  accepted_range: [3, 3],
  relationships: [3, 3],
  finite: [1, Infinity],
};

/**
 * Reads the comment block at the top of a model: free lines are the description,
 * `-- key: value` lines are metadata. An unknown key is an error so that typos do not
 * silently drop a test.
 */
export function parseModelHeader(file: string, sql: string): ModelHeader {
  const header: ModelHeader = {
    description: '',
    grain: [],
    materialized: undefined,
    incrementalKey: undefined,
    upstreamKey: undefined,
    asOfCut: undefined,
    compute: undefined,
    tests: [],
    audience: {},
  };
  const description: string[] = [];
  for (const line of sql.split('\n')) {
    const trimmed = line.trim();
    if (trimmed === '') continue;
    if (!trimmed.startsWith('--')) break;
    const text = trimmed.slice(2).trim();
    const keyed = /^([a-z_]+):\s*(.*)$/.exec(text);
    if (!keyed) {
      description.push(text);
      continue;
    }
    const [, key = '', value = ''] = keyed;
    switch (key) {
      case 'grain':
        header.grain = splitList(value, ',');
        break;
      case 'materialized':
        if (value !== 'view' && value !== 'table' && value !== 'incremental') {
          throw new ModelError(file, `materialized must be view, table or incremental, not '${value}'`);
        }
        header.materialized = value;
        break;
      case 'incremental_key': {
        // `buyer_id = member_id`: the model's buyer_id holds the values of its upstream's member_id.
        const match = /^([a-z_][a-z0-9_]*)(?:\s*=\s*([a-z_][a-z0-9_]*))?$/.exec(value);
        if (!match) throw new ModelError(file, `incremental_key must be one column name, or <column> = <upstream column>, not '${value}'`);
        header.incrementalKey = match[1];
        header.upstreamKey = match[2];
        break;
      }
      case 'as_of_cut': {
        const name = '([a-z_][a-z0-9_]*\\.[a-z_][a-z0-9_]*)\\.([a-z_][a-z0-9_]*)';
        const match = new RegExp(`^${name}\\s*<=\\s*${name}$`).exec(value);
        if (!match)
          throw new ModelError(file, `as_of_cut must read <schema.table>.<date column> <= <schema.table>.<as-of column>, not '${value}'`);
        header.asOfCut = { relation: match[1]!, column: match[2]!, asOfRelation: match[3]!, asOfColumn: match[4]! };
        break;
      }
      case 'compute':
        if (!Object.hasOwn(computations, value))
          throw new ModelError(file, `unknown computation '${value}' (known: ${Object.keys(computations).join(', ')})`);
        header.compute = value;
        break;
      case 'tests':
        header.tests = splitList(value, ';').map((test) => parseTest(file, test));
        break;
      default:
        if (audienceHeaderKeys.includes(key)) {
          header.audience[key] = value;
          break;
        }
        throw new ModelError(
          file,
          `unknown header key '${key}' (known: ${knownKeys.join(', ')}; a standing audience's too: ${audienceHeaderKeys.join(', ')})`,
        );
    }
  }
  header.description = description.join(' ').trim();
  if (header.asOfCut !== undefined && header.materialized !== 'incremental') {
    throw new ModelError(file, 'only an incremental model has an as_of_cut');
  }
  if ((header.materialized === 'incremental') !== (header.incrementalKey !== undefined)) {
    throw new ModelError(file, 'an incremental model needs an incremental_key, and only an incremental model has one');
  }
  if (header.compute !== undefined && header.materialized !== undefined && header.materialized !== 'table') {
    throw new ModelError(
      file,
      `a computed model is a table (its rows come from TypeScript); it cannot be materialized as ${header.materialized}`,
    );
  }
  return header;
}

function parseTest(file: string, text: string): ModelTest {
  const match = /^([a-z_]+)\((.*)\)$/.exec(text);
  const name = match?.[1];
  if (!match || !name || !(name in testArity)) {
    throw new ModelError(file, `unknown test '${text}' (known: ${Object.keys(testArity).join(', ')})`);
  }
  const args = splitList(match[2] ?? '', ',');
  const [min, max] = testArity[name as ModelTest['name']];
  if (args.length < min || args.length > max) {
    throw new ModelError(file, `test '${text}' takes ${min === max ? min : `at least ${min}`} arguments, got ${args.length}`);
  }
  return { text, name: name as ModelTest['name'], args };
}

// Splits on a separator outside single quotes, so accepted_values(status, 'a,b') keeps 'a,b'.
function splitList(value: string, separator: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const char of value) {
    if (char === "'") quoted = !quoted;
    if (char === separator && !quoted) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts.map((part) => part.trim()).filter((part) => part !== '');
}
