import { type ArgsDef, type ParsedArgs, parseArgs } from 'citty';
import { list } from '../commands/command-options.js';
import type { AudienceFilters } from './export-audience.js';

/**
 * The audience command's selection flags, as citty argument definitions. An automation rule's
 * `filters` (seeds/audience_rules.csv) are the same flags, parsed with these same definitions.
 */
export const audienceFilterArgs = {
  segment: { type: 'string', description: 'RFM segments, comma separated (e.g. champions,important_to_retain)' },
  stage: { type: 'string', description: 'lifecycle stages, comma separated (e.g. silent,sleeping)' },
  level: { type: 'string', description: 'member levels, comma separated (e.g. senior,vip)' },
  tier: { type: 'string', description: 'city tiers, comma separated (e.g. 1,2)' },
  province: { type: 'string', description: 'provinces, comma separated, with or without 省/市 (e.g. 浙江,江苏省)' },
  'due-category': { type: 'string', description: 'category due for repurchase: last bought it between --due-window times its cycle ago' },
  'due-product': { type: 'string', description: 'product id due for repurchase, as --due-category' },
  'due-window': { type: 'string', description: 'low,high multiples of the category cycle', default: '0.8,1.2' },
  'bought-category': { type: 'string', description: 'bought this category (between the dates of --bought-between, if given)' },
  'bought-product': { type: 'string', description: 'bought this product id (between the dates of --bought-between, if given)' },
  'bought-between': {
    type: 'string',
    description: 'from,to (YYYY-MM-DD, inclusive): bought the product or category, or anything, between these days',
  },
  'min-days-since-purchase': { type: 'string', description: 'at least this many days since the last purchase' },
  'max-days-since-purchase': { type: 'string', description: 'at most this many days since the last purchase' },
  'exclude-bought-within': { type: 'string', description: 'leave out members who bought within this many days' },
  'promoted-product': { type: 'string', description: 'the product the campaign promotes (with --exclude-promoted-within)' },
  'exclude-promoted-within': { type: 'string', description: 'leave out members who bought the promoted product within this many days' },
  price: { type: 'string', description: 'promoted price: leave out members whose average order is below --min-value-ratio of it' },
  'min-value-ratio': { type: 'string', description: "share of --price a member's average order must reach", default: '0.5' },
  'p-alive': { type: 'string', description: 'low,high: P(alive) of the BG/NBD forecast in this range, inclusive (e.g. 0.2,0.6)' },
  'clv-decile': { type: 'string', description: '12-month CLV deciles, comma separated; 1 = the highest CLV (e.g. 1,2,3)' },
  discount: {
    type: 'boolean',
    description: 'a discount campaign (so is one with --coupon-value): members inside their repurchase cycle are left out',
    default: false,
  },
  'include-in-cycle': { type: 'boolean', description: 'keep members inside their repurchase cycle in a discount campaign', default: false },
} as const satisfies ArgsDef;

type FilterArgs = ParsedArgs<typeof audienceFilterArgs>;

const number = (raw: unknown) => (raw === undefined ? undefined : Number(raw));
const numbers = (raw: unknown) => list(raw)?.map(Number);

/** The selection flags as the export's filters. */
export function audienceFilters(args: FilterArgs): AudienceFilters {
  return {
    segments: list(args.segment),
    stages: list(args.stage),
    levels: list(args.level),
    tiers: numbers(args.tier),
    provinces: list(args.province),
    dueCategory: args['due-category'],
    dueProduct: args['due-product'],
    dueWindow: numbers(args['due-window']) as [number, number],
    boughtCategory: args['bought-category'],
    boughtProduct: args['bought-product'],
    boughtBetween: list(args['bought-between']) as [string, string] | undefined,
    minDaysSincePurchase: number(args['min-days-since-purchase']),
    maxDaysSincePurchase: number(args['max-days-since-purchase']),
    excludeBoughtWithinDays: number(args['exclude-bought-within']),
    promotedProduct: args['promoted-product'],
    excludePromotedWithinDays: number(args['exclude-promoted-within']),
    price: number(args.price),
    minOrderValueRatio: Number(args['min-value-ratio']),
    pAlive: numbers(args['p-alive']) as [number, number] | undefined,
    clvDeciles: numbers(args['clv-decile']),
    discount: args.discount,
    includeInCycle: args['include-in-cycle'],
  };
}

/**
 * An automation rule's filters, written as the command's flags (`--stage new --due-category
 * tops`): split on spaces (lists are comma separated, so a value has none) and parsed by the same
 * definitions. A flag the selection does not know, or a value without a flag, is an error.
 */
export function parseAudienceFilters(text: string): AudienceFilters {
  const words = text.trim().split(/\s+/).filter(Boolean);
  const known = new Set(Object.keys(audienceFilterArgs).flatMap((name) => [name, `no-${name}`]));
  const unknown = words.filter((word) => word.startsWith('-') && !known.has(word.replace(/^--?/, '').split('=')[0]!));
  if (unknown.length > 0)
    throw new Error(
      `filters: unknown flag ${unknown.join(', ')} (known: ${Object.keys(audienceFilterArgs)
        .map((name) => `--${name}`)
        .join(' ')})`,
    );
  const args = parseArgs<typeof audienceFilterArgs>(words, audienceFilterArgs);
  if (args._.length > 0) throw new Error(`filters: '${args._.join(' ')}' follows no flag`);
  return audienceFilters(args);
}
