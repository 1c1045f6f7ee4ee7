import type { ArgsDef } from 'citty';
import { z } from 'zod';
import { literal } from '../warehouse/sql-text.js';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const split = (raw: string) =>
  raw
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean);

interface Bounds {
  min?: number;
  max?: number;
  positive?: boolean;
}
const bounded = (number: z.ZodNumber, { min, max, positive }: Bounds) => {
  let checked = positive ? number.positive() : number;
  if (min !== undefined) checked = checked.min(min);
  if (max !== undefined) checked = checked.max(max);
  return checked;
};

/**
 * How each kind of filter value is read from the command line, checked, and given to SQL: `sql`
 * is the value as one SQL literal (a range as a struct of `low` and `high`).
 */
const kinds = {
  texts: {
    read: split,
    schema: () => z.array(z.string()).nonempty(),
    sql: (values: string[]) => `[${values.map(literal).join(', ')}]::varchar[]`,
  },
  integers: {
    read: (raw: string) => split(raw).map(Number),
    schema: (bounds: Bounds) => z.array(bounded(z.number().int(), bounds)).nonempty(),
    sql: (values: number[]) => `[${values.join(', ')}]::integer[]`,
  },
  text: { read: (raw: string) => raw, schema: () => z.string().min(1), sql: literal },
  number: { read: Number, schema: (bounds: Bounds) => bounded(z.number(), bounds), sql: String },
  integer: { read: Number, schema: (bounds: Bounds) => bounded(z.number().int(), bounds), sql: String },
  'date range': {
    read: split,
    schema: () => z.tuple([date, date]).refine(([from, to]) => from <= to, 'from,to with from <= to'),
    sql: ([from, to]: [string, string]) => `{'low': ${literal(from)}::date, 'high': ${literal(to)}::date}`,
  },
  'number range': {
    read: (raw: string) => split(raw).map(Number),
    schema: (bounds: Bounds) =>
      z.tuple([bounded(z.number(), bounds), bounded(z.number(), bounds)]).refine(([low, high]) => low <= high, 'low,high with low <= high'),
    sql: ([low, high]: [number, number]) => `{'low': ${low}, 'high': ${high}}`,
  },
  boolean: { read: Boolean, schema: () => z.boolean(), sql: String },
} as const;

type Kind = keyof typeof kinds;
type ValueOf<K extends Kind> = Parameters<(typeof kinds)[K]['sql']>[0];

interface Filter<K extends Kind = Kind> extends Bounds {
  kind: K;
  description: string;
  default?: ValueOf<K>;
  /**
   * Its condition on a member when it is given: SQL over the columns of audience-members.sql
   * (which may read the warehouse's relations by name), from the values of the filters given, as
   * SQL literals. A filter without one qualifies another's condition or a guard.
   */
  where?: (values: FilterLiterals) => string;
  /** A filter it cannot be given with. */
  notWith?: string;
  /** A filter it must be given with (and the other way round). */
  goesWith?: string;
}

/** The SQL literal of each filter given (or defaulted), by flag. */
type FilterLiterals = Partial<Record<string, string>>;

const boughtItem = (column: string, item: string, between: string | undefined) => `member_id in (
    select member_id from intermediate.int_product_purchases_dated
    where ${column} = ${item}${between ? ` and purchase_date between ${between}.low and ${between}.high` : ''})`;

// Last bought the item between the window's low and high times its repurchase cycle ago.
const dueItem = (level: 'product' | 'category', column: string, item: string, window: string) => `member_id in (
    select purchases.member_id
    from intermediate.int_product_purchases_dated as purchases
    inner join marts.product_repurchase_cycle as cycles on cycles.level = '${level}' and cycles.item_key = ${item}
    cross join intermediate.int_as_of_date_resolved as as_of
    where purchases.${column} = ${item}
    group by purchases.member_id, cycles.median_cycle_days, as_of.as_of_date
    having as_of.as_of_date - max(purchases.purchase_date)
      between ${window}.low * cycles.median_cycle_days and ${window}.high * cycles.median_cycle_days)`;

// Provinces compare without a final 省 or 市, so that 浙江 matches 浙江省 (as unknown-filter-values.sql).
const bareProvince = (text: string) => `regexp_replace(${text}, '[省市]$', '')`;

const filter = <K extends Kind>(definition: Filter<K>) => definition;

/**
 * The filters of the audience command, each defined once: its flag, the kind of its value, its
 * description and default, and its condition on a member. The flags, their checking and the
 * query's WHERE are all made from this table.
 */
export const audienceFilterTable = {
  segment: filter({
    kind: 'texts',
    description: 'RFM segments, comma separated (e.g. champions,important_to_retain)',
    where: (v) => `list_contains(${v.segment}, segment)`,
  }),
  stage: filter({
    kind: 'texts',
    description: 'lifecycle stages, comma separated (e.g. silent,sleeping)',
    where: (v) => `list_contains(${v.stage}, lifecycle_stage)`,
  }),
  level: filter({
    kind: 'texts',
    description: 'member levels, comma separated (e.g. senior,vip)',
    where: (v) => `list_contains(${v.level}, member_level)`,
  }),
  tier: filter({
    kind: 'integers',
    description: 'city tiers, comma separated (e.g. 1,2)',
    where: (v) => `list_contains(${v.tier}, city_tier)`,
  }),
  province: filter({
    kind: 'texts',
    description: 'provinces, comma separated, with or without 省/市 (e.g. 浙江,江苏省)',
    where: (v) => `list_contains([${bareProvince('given')} for given in ${v.province}], ${bareProvince('province')})`,
  }),
  'due-category': filter({
    kind: 'text',
    description: 'category due for repurchase: last bought it between --due-window times its cycle ago',
    notWith: 'due-product',
    where: (v) => dueItem('category', 'category', v['due-category']!, v['due-window']!),
  }),
  'due-product': filter({
    kind: 'text',
    description: 'product id due for repurchase, as --due-category',
    where: (v) => dueItem('product', 'product_id', v['due-product']!, v['due-window']!),
  }),
  'due-window': filter({ kind: 'number range', description: 'low,high multiples of the category cycle', default: [0.8, 1.2] }),
  'bought-category': filter({
    kind: 'text',
    description: 'bought this category (between the dates of --bought-between, if given)',
    notWith: 'bought-product',
    where: (v) => boughtItem('category', v['bought-category']!, v['bought-between']),
  }),
  'bought-product': filter({
    kind: 'text',
    description: 'bought this product id (between the dates of --bought-between, if given)',
    where: (v) => boughtItem('product_id', v['bought-product']!, v['bought-between']),
  }),
  'bought-between': filter({
    kind: 'date range',
    description: 'from,to (YYYY-MM-DD, inclusive): bought the product or category, or anything, between these days',
    where: (v) => `member_id in (
    select member_id from intermediate.int_product_purchases_dated
    where purchase_date between ${v['bought-between']}.low and ${v['bought-between']}.high)`,
  }),
  tag: filter({
    kind: 'texts',
    description:
      'member tags as attribute=value, comma separated (e.g. style=通勤,price_band=high): every attribute given, with one of its values (marts.member_tags)',
    where: (v) => `member_id in (
    select member_id from marts.member_tags
    where list_contains(${v.tag}, attribute || '=' || value)
    group by member_id
    having count(distinct attribute) = (select count(distinct split_part(given, '=', 1)) from unnest(${v.tag}) as given_tags(given)))`,
  }),
  'bought-price-band': filter({
    kind: 'text',
    description:
      'bought an item in this price band or a higher one (seeds/price_bands.csv, e.g. high): no product above a band for members who never bought in it',
    where: (v) => `member_id in (
    select member_id from intermediate.int_member_items_priced
    where price_band_order >= (select band_order from seeds.price_bands where band = ${v['bought-price-band']}))`,
  }),
  'min-days-since-purchase': filter({
    kind: 'integer',
    min: 0,
    description: 'at least this many days since the last purchase',
    where: (v) => `recency_days >= ${v['min-days-since-purchase']}`,
  }),
  'max-days-since-purchase': filter({
    kind: 'integer',
    min: 0,
    description: 'at most this many days since the last purchase',
    where: (v) => `recency_days <= ${v['max-days-since-purchase']}`,
  }),
  'exclude-bought-within': filter({
    kind: 'integer',
    min: 0,
    description: 'leave out members who bought within this many days',
    where: (v) => `(recency_days is null or recency_days > ${v['exclude-bought-within']})`,
  }),
  'promoted-product': filter({
    kind: 'text',
    description: 'the product the campaign promotes (with --exclude-promoted-within)',
    goesWith: 'exclude-promoted-within',
    where: (v) => `member_id not in (
    select purchases.member_id
    from intermediate.int_product_purchases_dated as purchases
    cross join intermediate.int_as_of_date_resolved as as_of
    where purchases.product_id = ${v['promoted-product']}
      and as_of.as_of_date - purchases.purchase_date <= ${v['exclude-promoted-within']})`,
  }),
  'exclude-promoted-within': filter({
    kind: 'integer',
    min: 0,
    description: 'leave out members who bought the promoted product within this many days',
  }),
  price: filter({
    kind: 'number',
    positive: true,
    description: 'promoted price: leave out members whose average order is below --min-value-ratio of it',
    where: (v) => `aov >= ${v['min-value-ratio']} * ${v.price}`,
  }),
  'min-value-ratio': filter({
    kind: 'number',
    positive: true,
    description: "share of --price a member's average order must reach",
    default: 0.5,
  }),
  'p-alive': filter({
    kind: 'number range',
    min: 0,
    max: 1,
    description: 'low,high: P(alive) of the BG/NBD forecast in this range, inclusive (e.g. 0.2,0.6)',
    where: (v) => `p_alive between ${v['p-alive']}.low and ${v['p-alive']}.high`,
  }),
  'clv-decile': filter({
    kind: 'integers',
    min: 1,
    max: 10,
    description: '12-month CLV deciles, comma separated; 1 = the highest CLV (e.g. 1,2,3)',
    where: (v) => `list_contains(${v['clv-decile']}, clv_decile)`,
  }),
  discount: filter({
    kind: 'boolean',
    description: 'a discount campaign (so is one with --coupon-value): members inside their repurchase cycle are left out',
    default: false,
  }),
  'include-in-cycle': filter({
    kind: 'boolean',
    description: 'keep members inside their repurchase cycle in a discount campaign',
    default: false,
  }),
} as const satisfies Record<string, Filter>;

type Table = typeof audienceFilterTable;
export type FilterFlag = keyof Table;

/** The filters of an audience, by flag; a filter left out lets every member through. */
export type AudienceFilters = { [F in FilterFlag]?: ValueOf<Table[F]['kind']> };

/** Filters with their defaults filled in. */
export type CheckedFilters = AudienceFilters & { discount: boolean; 'include-in-cycle': boolean };

const entries = Object.entries(audienceFilterTable) as Array<[FilterFlag, Filter]>;

/** The filters as citty arguments of the audience command. */
export const audienceFilterArgs = Object.fromEntries(
  entries.map(([flag, { kind, description, default: value }]) => [
    flag,
    kind === 'boolean'
      ? { type: 'boolean', description, default: value as boolean }
      : { type: 'string', description, ...(value === undefined ? {} : { default: [value].flat().join(',') }) },
  ]),
) as ArgsDef;

/** The filters given on the command line (citty's parsed arguments), as values to check. */
export function audienceFilters(args: Record<string, unknown>): AudienceFilters {
  const given = entries.flatMap(([flag, { kind }]) =>
    args[flag] === undefined ? [] : [[flag, (kinds[kind].read as (raw: never) => unknown)(args[flag] as never)]],
  );
  return Object.fromEntries(given);
}

const filtersSchema = z
  .strictObject(
    Object.fromEntries(
      entries.map(([flag, definition]) => {
        const schema = (kinds[definition.kind].schema as (bounds: Bounds) => z.ZodType)(definition);
        return [flag, definition.default === undefined ? schema.optional() : schema.default(definition.default as never)];
      }),
    ),
  )
  .superRefine((filters, context) => {
    for (const [flag, { notWith, goesWith }] of entries) {
      if (notWith && filters[flag] !== undefined && filters[notWith] !== undefined)
        context.addIssue({ code: 'custom', path: [flag], message: `give it or --${notWith}, not both` });
      if (goesWith && (filters[flag] === undefined) !== (filters[goesWith] === undefined))
        context.addIssue({ code: 'custom', path: [flag], message: `goes with --${goesWith}, and the other way round` });
    }
  });

/** The filters checked, with their defaults: the first problem of each filter, `--flag: problem`, in one line. */
export function checkAudienceFilters(filters: AudienceFilters): CheckedFilters {
  const parsed = filtersSchema.safeParse(filters);
  if (!parsed.success)
    throw new Error(
      parsed.error.issues
        .map((issue) =>
          issue.code === 'unrecognized_keys'
            ? `unknown filter ${issue.keys.map((key) => `--${key}`).join(', ')}`
            : `--${String(issue.path[0])}: ${issue.message}`,
        )
        .join('; '),
    );
  return parsed.data as CheckedFilters;
}

/** The members the checked filters select: member_id of audience-members.sql where every given filter holds. */
export function filterConditions(filters: AudienceFilters): string[] {
  const given = entries.filter(([flag]) => filters[flag] !== undefined);
  const literals: FilterLiterals = Object.fromEntries(
    given.map(([flag, { kind }]) => [flag, (kinds[kind].sql as (value: unknown) => string)(filters[flag])]),
  );
  return given.flatMap(([, { where }]) => (where ? [where(literals)] : []));
}
