import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { cut } from '../quoted.js';
import type { Database } from '../warehouse/database.js';
import { literal } from '../warehouse/sql-text.js';
import { type Model, ModelError } from './model.js';

/** The guards an export of an audience can apply, in the order they apply (audience/guard-audience.sql). */
export const audienceGuards = ['opted_out', 'rule_cap', 'frequency_cap', 'in_cycle'] as const;
export type AudienceGuard = (typeof audienceGuards)[number];

const decimal = z
  .string()
  .regex(/^\d+(\.\d+)?$/, 'a number such as 0.1')
  .transform(Number);

// The header keys of a standing audience (models/audiences/<name>.sql); the values as written.
const audienceHeaderSchema = z.strictObject({
  label: z.string().min(1),
  channel: z.string().min(1),
  control: decimal.pipe(z.number().max(0.9)),
  cap_days: decimal.pipe(z.number().int().min(1).max(3650)),
  cost_per_contact: decimal,
  coupon_code: z.string().min(1).optional(),
  coupon_value: decimal.optional(),
  guards: z
    .string()
    .transform((text) => text.split(',').map((guard) => guard.trim()))
    .pipe(z.array(z.enum(audienceGuards)).refine((guards) => guards.includes('opted_out'), 'opted_out always applies: list it')),
});

export const audienceHeaderKeys = Object.keys(audienceHeaderSchema.shape);

/** The header of a standing audience: how its members are contacted and which guards apply. */
export type AudienceHeader = z.output<typeof audienceHeaderSchema>;

/** A standing audience's header keys, checked: every problem on one line naming the file. */
export function parseAudienceHeader(file: string, values: Record<string, string>): AudienceHeader {
  const parsed = audienceHeaderSchema.safeParse(values);
  if (!parsed.success)
    throw new ModelError(
      file,
      parsed.error.issues
        .map((issue) => `-- ${String(issue.path[0] ?? '')}: ${issue.code === 'invalid_type' ? 'missing' : issue.message}`)
        .join('; '),
    );
  return parsed.data;
}

/** Refuses an audience whose channel is not one of seeds/code_labels.csv (code set channel). */
export async function checkAudienceChannels(db: Kysely<Database>, audiences: Model[]): Promise<void> {
  if (audiences.length === 0) return;
  const { rows } = await sql<{ code: string }>`
    select code from seeds.code_labels where code_set = 'channel' order by code_order`.execute(db);
  const channels = rows.map((row) => row.code);
  for (const { file, audience } of audiences)
    if (!channels.includes(audience!.channel))
      throw new ModelError(
        file,
        `-- channel: '${cut(audience!.channel)}' is not a channel of seeds/code_labels.csv; give one of ${channels.join(', ')}`,
      );
}

/**
 * intermediate.int_audience_headers, the headers of the standing audiences as a model the build
 * writes from them (marts.audience_rules reads it): it changes when a header does, as a model's
 * SQL would.
 */
export function audienceHeadersModel(audiences: Model[]): Model {
  const rows = audiences.map(({ table, file, description, audience }) => {
    const header = audience!;
    const optional = (value: string | number | undefined, type: string) =>
      `${value === undefined ? 'null' : typeof value === 'number' ? value : literal(value)}::${type}`;
    return `  select
    ${literal(table)} as audience,
    ${literal(header.label)} as name,
    ${literal(header.channel)} as channel,
    ${header.control}::float8 as control_fraction,
    ${header.cap_days}::integer as cap_days,
    ${header.cost_per_contact}::decimal(18, 4) as cost_per_contact,
    ${optional(header.coupon_code, 'varchar')} as coupon_code,
    ${optional(header.coupon_value, 'decimal(18, 2)')} as coupon_value,
    ${literal(header.guards.join(', '))}::varchar as guards,
    ${literal(description)} as description,
    ${literal(file)} as file`;
  });
  const none = `  select
    null::varchar as audience, null::varchar as name, null::varchar as channel, null::float8 as control_fraction,
    null::integer as cap_days, null::decimal(18, 4) as cost_per_contact, null::varchar as coupon_code,
    null::decimal(18, 2) as coupon_value, null::varchar as guards, null::varchar as description, null::varchar as file
  where false`;
  const description =
    'The header of every standing audience (models/audiences/<audience>.sql), one row each, as the build read it: ' +
    'its label, channel, control share, cap, cost per contact, coupon, guards (comma separated), description and file.';
  return {
    name: 'intermediate.int_audience_headers',
    schema: 'intermediate',
    table: 'int_audience_headers',
    file: 'models/audiences',
    sql: `-- ${description}\nwith\n\nheaders as (\n${rows.length > 0 ? rows.join('\n  union all\n') : none}\n)\n\nselect * from headers`,
    description,
    grain: ['audience'],
    materialized: 'table',
    incrementalKey: undefined,
    compute: undefined,
    tests: [],
    dependsOn: [],
  };
}
