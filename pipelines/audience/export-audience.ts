import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { Database } from '../warehouse/database.js';
import { literal } from '../warehouse/sql-text.js';

export const audienceOptionsSchema = z.object({
  campaignId: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -'),
  /** When the campaign will be sent (shop time): the contacted_at of every row. */
  sendAt: z.string().regex(/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/, 'YYYY-MM-DD [HH:MM[:SS]]'),
  out: z.string().regex(/\.(csv|parquet|arrow)$/, 'a .csv, .parquet or .arrow (Arrow IPC) file'),
  controlFraction: z.number().min(0).max(0.9).default(0),
  seed: z.number().int().default(1),
  filters: z
    .object({
      segments: z.array(z.string()).optional(),
      stages: z.array(z.string()).optional(),
      levels: z.array(z.string()).optional(),
      tiers: z.array(z.number().int()).optional(),
      dueCategory: z.string().optional(),
      dueProduct: z.string().optional(),
      dueWindow: z.tuple([z.number(), z.number()]).default([0.8, 1.2]),
      excludeBoughtWithinDays: z.number().int().nonnegative().optional(),
      price: z.number().positive().optional(),
      minOrderValueRatio: z.number().positive().default(0.5),
      /** P(alive) between low and high, inclusive (marts.member_forecast). */
      pAlive: z
        .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
        .refine(([low, high]) => low <= high, 'low,high with low <= high')
        .optional(),
      /** 12-month CLV deciles; 1 = the highest CLV. */
      clvDeciles: z.array(z.number().int().min(1).max(10)).nonempty().optional(),
    })
    .default({ dueWindow: [0.8, 1.2], minOrderValueRatio: 0.5 }),
});

export type AudienceOptions = z.input<typeof audienceOptionsSchema>;

export interface AudienceExport {
  path: string;
  format: 'csv' | 'parquet' | 'arrow';
  rows: number;
  controlRows: number;
}

const audienceSql = readFileSync(new URL('./select-audience.sql', import.meta.url), 'utf8').trimEnd();

/**
 * Writes the audience of a campaign with its buyer ids and phones, the one place contact data
 * leaves the warehouse, and logs the export in ops.exports. Loaded back as campaign_contacts
 * (with a campaigns row), it is measured like any campaign.
 */
export async function exportAudience(db: Kysely<Database>, input: AudienceOptions): Promise<AudienceExport> {
  const parsed = audienceOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`audience: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  const options = parsed.data;
  if (options.filters.dueProduct && options.filters.dueCategory)
    throw new Error('audience: give a due product or a due category, not both');
  const { filters } = options;
  const path = resolve(options.out);
  const format = path.endsWith('.parquet') ? 'parquet' : path.endsWith('.arrow') ? 'arrow' : 'csv';
  const variables: Record<string, string> = {
    audience_campaign_id: literal(options.campaignId),
    audience_send_at: `${literal(options.sendAt)}::timestamp`,
    audience_control_fraction: String(options.controlFraction),
    audience_seed: String(options.seed),
    audience_segments: textList(filters.segments),
    audience_stages: textList(filters.stages),
    audience_levels: textList(filters.levels),
    audience_tiers: filters.tiers ? `[${filters.tiers.join(', ')}]::integer[]` : 'null::integer[]',
    audience_due_level: literal(filters.dueProduct ? 'product' : 'category'),
    audience_due_item:
      (filters.dueProduct ?? filters.dueCategory) ? literal((filters.dueProduct ?? filters.dueCategory)!) : 'null::varchar',
    audience_due_low: String(filters.dueWindow[0]),
    audience_due_high: String(filters.dueWindow[1]),
    audience_exclude_days: filters.excludeBoughtWithinDays === undefined ? 'null::integer' : String(filters.excludeBoughtWithinDays),
    audience_price: filters.price === undefined ? 'null::double' : String(filters.price),
    audience_min_value_ratio: String(filters.minOrderValueRatio),
    audience_p_alive_low: filters.pAlive ? String(filters.pAlive[0]) : 'null::double',
    audience_p_alive_high: filters.pAlive ? String(filters.pAlive[1]) : 'null::double',
    audience_clv_deciles: filters.clvDeciles ? `[${filters.clvDeciles.join(', ')}]::integer[]` : 'null::integer[]',
  };
  return db.connection().execute(async (connection) => {
    for (const [name, value] of Object.entries(variables)) await sql.raw(`set variable ${name} = ${value}`).execute(connection);
    // A spreadsheet runs a cell that starts with = + - @ as a formula: such text gets a leading '.
    const selection =
      format === 'csv'
        ? `select case when regexp_matches(columns(*)::varchar, '^[=+\\-@\\t\\r]') then '''' || columns(*)::varchar else columns(*)::varchar end from (${audienceSql})`
        : audienceSql;
    if (format === 'arrow') await writeArrow(connection, audienceSql, path);
    else
      await sql.raw(`copy (${selection}) to ${literal(path)} (format ${format}${format === 'csv' ? ', header' : ''})`).execute(connection);
    const { rows } = await sql
      .raw<{ rows: number; control_rows: number }>(
        `select count(*) as rows, count(*) filter (where arm = 'control') as control_rows from (${audienceSql})`,
      )
      .execute(connection);
    const counts = rows[0] ?? { rows: 0, control_rows: 0 };
    await connection
      .insertInto('ops.exports')
      .values({
        campaign_id: options.campaignId,
        path,
        format,
        filters: JSON.stringify(filters),
        control_fraction: options.controlFraction,
        rows: counts.rows,
        control_rows: counts.control_rows,
        exported_at: new Date(),
      })
      .execute();
    return { path, format, rows: counts.rows, controlRows: counts.control_rows };
  });
}

// DuckDB here has no Arrow extension: columns go through JavaScript into an Arrow IPC file.
// An audience is a selection of members, small enough to hold.
async function writeArrow(db: Kysely<Database>, query: string, path: string): Promise<void> {
  const { rows } = await sql.raw<Record<string, unknown>>(query).execute(db);
  const names = Object.keys(rows[0] ?? {});
  const columns = Object.fromEntries(names.map((name) => [name, rows.map((row) => row[name])]));
  writeFileSync(path, tableToIPC(tableFromArrays(columns as Parameters<typeof tableFromArrays>[0]), 'file'));
}

function textList(values: string[] | undefined): string {
  return values ? `[${values.map(literal).join(', ')}]::varchar[]` : 'null::varchar[]';
}
