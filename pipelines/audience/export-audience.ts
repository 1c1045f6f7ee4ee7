import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import type { WarehouseConfig } from '../config.js';
import { quoted } from '../quoted.js';
import { prepareQueries } from '../transform/build-warehouse.js';
import type { Database } from '../warehouse/database.js';
import { withFileAccessOff } from '../warehouse/open-warehouse.js';
import { literal } from '../warehouse/sql-text.js';

const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD');
const days = z.number().int().nonnegative();

export const audienceFiltersSchema = z
  .object({
    segments: z.array(z.string()).optional(),
    stages: z.array(z.string()).optional(),
    levels: z.array(z.string()).optional(),
    tiers: z.array(z.number().int()).optional(),
    provinces: z.array(z.string()).optional(),
    dueCategory: z.string().optional(),
    dueProduct: z.string().optional(),
    dueWindow: z.tuple([z.number(), z.number()]).default([0.8, 1.2]),
    /** Bought the product or category (or, with neither, anything) between the dates, inclusive. */
    boughtCategory: z.string().optional(),
    boughtProduct: z.string().optional(),
    boughtBetween: z
      .tuple([date, date])
      .refine(([from, to]) => from <= to, 'from,to with from <= to')
      .optional(),
    minDaysSincePurchase: days.optional(),
    maxDaysSincePurchase: days.optional(),
    excludeBoughtWithinDays: days.optional(),
    /** Same-item exclusion: leave out members who bought this product within the days. */
    promotedProduct: z.string().optional(),
    excludePromotedWithinDays: days.optional(),
    price: z.number().positive().optional(),
    minOrderValueRatio: z.number().positive().default(0.5),
    /** P(alive) between low and high, inclusive (marts.member_forecast). */
    pAlive: z
      .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
      .refine(([low, high]) => low <= high, 'low,high with low <= high')
      .optional(),
    /** 12-month CLV deciles; 1 = the highest CLV. */
    clvDeciles: z.array(z.number().int().min(1).max(10)).nonempty().optional(),
    /** A discount campaign: the in-cycle guard applies (as it does with a coupon worth more than 0). */
    discount: z.boolean().default(false),
    includeInCycle: z.boolean().default(false),
  })
  .refine((filters) => !(filters.dueProduct && filters.dueCategory), 'give a due product or a due category, not both')
  .refine((filters) => !(filters.boughtProduct && filters.boughtCategory), 'give a bought product or a bought category, not both')
  .refine(
    (filters) => (filters.promotedProduct === undefined) === (filters.excludePromotedWithinDays === undefined),
    'a promoted product goes with the days to leave its buyers out for, and the other way round',
  );

export type AudienceFilters = z.input<typeof audienceFiltersSchema>;

export const audienceOptionsSchema = z
  .object({
    campaignId: z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and -'),
    /** When the campaign will be sent (shop time): the contacted_at of every row. */
    sendAt: z.string().regex(/^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}(:\d{2})?)?$/, 'YYYY-MM-DD [HH:MM[:SS]]'),
    out: z.string().regex(/\.(csv|parquet|arrow)$/, 'a .csv, .parquet or .arrow (Arrow IPC) file'),
    controlFraction: z.number().min(0).max(0.9).default(0),
    /** The response rate the campaign is expected to have; without it, the control response of the measured campaigns together. */
    expectedResponseRate: z.number().gt(0).lt(1).optional(),
    seed: z.number().int().default(1),
    /** The channel it is sent through: opt-outs of it apply (without one, every opt-out does). */
    channel: z.string().min(1).optional(),
    /** With these, a campaigns row beside the files, so that they load back as a measured campaign. */
    campaign: z
      .object({
        name: z.string().min(1),
        costPerContact: z.number().nonnegative(),
        couponCode: z.string().min(1).optional(),
        couponValue: z.number().nonnegative().optional(),
      })
      .optional(),
    /** An automation rule's export: the rule never selects a member again within capDays. */
    rule: z.object({ name: z.string().min(1), capDays: z.number().int().positive(), runId: z.number().int() }).optional(),
    filters: audienceFiltersSchema.default({ dueWindow: [0.8, 1.2], minOrderValueRatio: 0.5, discount: false, includeInCycle: false }),
  })
  .refine((options) => !options.campaign || options.channel, { message: 'a campaign row needs the channel', path: ['channel'] });

export type AudienceOptions = z.input<typeof audienceOptionsSchema>;

export interface AudienceContext {
  /** Where the parameters (the guards' caps and shares), the staging models and the member salt are. */
  config: WarehouseConfig;
  /** `--set` overrides of seeds/parameters.csv. */
  parameters?: Record<string, string>;
}

export interface AudienceExport {
  /** Its row in ops.exports. */
  exportId: number;
  /** The channel file: the treatment arm, with phones. */
  path: string;
  /** The control arm without phones; written when a control share was asked for. */
  controlPath: string | null;
  /** The campaigns row, when the options describe the campaign. */
  campaignPath: string | null;
  format: 'csv' | 'parquet' | 'arrow';
  matched: number;
  /** Members of both files. */
  rows: number;
  controlRows: number;
  /** Members each guard removed, and those moved to the control file. */
  guards: Record<string, number>;
  detectableLift: DetectableLift;
}

/** The smallest lift the export's arms can show (export-files.sql, audience_detectable_lift). */
export interface DetectableLift {
  controlFraction: number;
  treatmentRows: number;
  controlRows: number;
  /** The expected response rate; null when none was given and no campaign has been measured. */
  responseRate: number | null;
  /** How many measured campaigns' control response it is; null when it was given. */
  measuredCampaigns: number | null;
  minimumDetectableLift: number | null;
}

const readSql = (name: string) => readFileSync(new URL(name, import.meta.url), 'utf8').trimEnd();
const audienceSql = readSql('./select-audience.sql');
const filesSql = readSql('./export-files.sql');
const unknownValuesSql = readSql('./unknown-filter-values.sql');

// What the guards read is read as loaded so far: the staging models' own queries over the raw
// tables, so that contacts and opt-outs loaded since the last build (an automation rule's exports,
// this morning's unsubscribes) count at once.
const liveModels = { audience_campaign_contacts: 'staging/stg_campaign_contacts.sql', audience_opt_outs: 'staging/stg_opt_outs.sql' };

/**
 * Writes the audience of a campaign, the one place contact data leaves the warehouse: the
 * treatment arm with buyer ids and phones for the channel, the control arm without phones in a
 * second file, and optionally the campaigns row; logs the export, with what each guard removed, in
 * ops.exports. Loaded back as campaign_contacts (with the campaigns row), it is measured like any
 * campaign.
 */
export async function exportAudience(db: Kysely<Database>, input: AudienceOptions, context: AudienceContext): Promise<AudienceExport> {
  const parsed = audienceOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`audience: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  const options = parsed.data;
  const path = resolve(options.out);
  const format = path.endsWith('.parquet') ? 'parquet' : path.endsWith('.arrow') ? 'arrow' : 'csv';
  const controlPath = options.controlFraction > 0 ? path.replace(/\.(csv|parquet|arrow)$/, '.control.$1') : null;
  const campaignPath = options.campaign ? join(dirname(path), `campaigns-${options.campaignId}.csv`) : null;
  const { config } = context;
  mkdirSync(dirname(path), { recursive: true });
  // The live staging models and the macros are the analysts' SQL: they read the warehouse only,
  // as in the build; DuckDB writes nothing but the export's own files.
  const files = [path, controlPath, campaignPath].filter((file) => file !== null);
  return withFileAccessOff(db, files, () =>
    db.connection().execute(async (connection) => {
      await prepareQueries(connection, config, context.parameters);
      for (const [view, model] of Object.entries(liveModels))
        await sql.raw(`create or replace temp view ${view} as ${readFileSync(join(config.modelsDir, model), 'utf8')}`).execute(connection);
      for (const [name, value] of Object.entries(audienceVariables(options)))
        await sql.raw(`set variable ${name} = ${value}`).execute(connection);
      await refuseUnknownValues(connection);
      await sql.raw(`create or replace temp table audience_selection as ${audienceSql}`).execute(connection);
      try {
        await sql.raw(filesSql).execute(connection);
        await writeRows(connection, 'select * from audience_channel_file', path, format);
        if (controlPath) await writeRows(connection, 'select * from audience_control_file', controlPath, format);
        if (campaignPath) await writeRows(connection, 'select * from audience_campaign_file', campaignPath, 'csv');
        const { rows } = await sql
          .raw<{ matched: number; rows: number; control_rows: number; guards: string }>('select * from audience_summary')
          .execute(connection);
        const summary = rows[0]!;
        const { rows: detectable } = await sql
          .raw<{
            treatment_rows: number;
            control_rows: number;
            response_rate: number | null;
            measured_campaigns: number | null;
            detectable_lift: number | null;
          }>('select * from audience_detectable_lift')
          .execute(connection);
        const lift = detectable[0]!;
        const { export_id: exportId } = await connection
          .insertInto('ops.exports')
          .values({
            campaign_id: options.campaignId,
            path,
            control_path: controlPath,
            format,
            filters: JSON.stringify(options.filters),
            control_fraction: options.controlFraction,
            rows: summary.rows,
            control_rows: summary.control_rows,
            matched: summary.matched,
            guards: summary.guards,
            channel: options.channel ?? null,
            sent_at: sql<Date>`getvariable('audience_send_at')`,
            rule: options.rule?.name ?? null,
            run_id: options.rule?.runId ?? null,
            exported_at: new Date(),
          })
          .returning('export_id')
          .executeTakeFirstOrThrow();
        return {
          exportId,
          path,
          controlPath,
          campaignPath,
          format,
          matched: summary.matched,
          rows: summary.rows,
          controlRows: summary.control_rows,
          guards: JSON.parse(summary.guards) as Record<string, number>,
          detectableLift: {
            controlFraction: options.controlFraction,
            treatmentRows: lift.treatment_rows,
            controlRows: lift.control_rows,
            responseRate: lift.response_rate,
            measuredCampaigns: lift.measured_campaigns,
            minimumDetectableLift: lift.detectable_lift,
          },
        };
      } finally {
        await sql.raw('drop table audience_selection').execute(connection);
      }
    }),
  );
}

const count = (value: number) => value.toLocaleString('en-US');
const percent = (value: number, digits: number) => `${(value * 100).toFixed(digits)}`;

/**
 * The line a manager reads before sending: the smallest lift in response rate that the campaign's
 * arms can show, so that a control arm too small to tell anything is seen before the money is spent.
 */
export function detectableLiftLine({
  controlFraction,
  treatmentRows,
  controlRows,
  responseRate,
  measuredCampaigns,
  minimumDetectableLift,
}: DetectableLift): string {
  const members = `with ${count(treatmentRows + controlRows)} members`;
  if (controlRows === 0) return `${members} and no control arm, this campaign's lift cannot be measured`;
  const arms = `${members} and a ${Number((controlFraction * 100).toFixed(1))}% control arm (${count(controlRows)} held out)`;
  if (responseRate === null || minimumDetectableLift === null)
    return `${arms}, no measured campaign gives a typical response rate: give --expected-response to see the smallest lift this campaign can show`;
  const rate =
    measuredCampaigns === null
      ? `an expected ${percent(responseRate, 1)}% response rate`
      : `a ${percent(responseRate, 1)}% response rate, the control response of ${count(measuredCampaigns)} measured campaigns`;
  return `${arms}, the smallest lift this campaign can show is ${percent(minimumDetectableLift, 1)} points (95% confidence, 80% power, at ${rate})`;
}

/** The options as the DuckDB variables select-audience.sql and export-files.sql read; NULL = not set. */
function audienceVariables(options: z.output<typeof audienceOptionsSchema>): Record<string, string> {
  const { filters, campaign } = options;
  const due = filters.dueProduct ?? filters.dueCategory;
  const bought = filters.boughtProduct ?? filters.boughtCategory;
  return {
    audience_campaign_id: literal(options.campaignId),
    audience_send_at: `${literal(options.sendAt)}::timestamp`,
    audience_control_fraction: String(options.controlFraction),
    audience_expected_response: number(options.expectedResponseRate),
    audience_seed: String(options.seed),
    audience_channel: text(options.channel),
    audience_campaign_name: text(campaign?.name),
    audience_cost_per_contact: number(campaign?.costPerContact),
    audience_coupon_code: text(campaign?.couponCode),
    audience_coupon_value: number(campaign?.couponValue),
    audience_rule: text(options.rule?.name),
    audience_rule_cap_days: options.rule ? String(options.rule.capDays) : 'null::integer',
    audience_segments: textList(filters.segments),
    audience_stages: textList(filters.stages),
    audience_levels: textList(filters.levels),
    audience_provinces: textList(filters.provinces),
    audience_tiers: filters.tiers ? `[${filters.tiers.join(', ')}]::integer[]` : 'null::integer[]',
    audience_due_level: literal(filters.dueProduct ? 'product' : 'category'),
    audience_due_item: text(due),
    audience_due_low: String(filters.dueWindow[0]),
    audience_due_high: String(filters.dueWindow[1]),
    audience_bought_level: literal(filters.boughtProduct ? 'product' : 'category'),
    audience_bought_item: text(bought),
    audience_bought_from: filters.boughtBetween ? `${literal(filters.boughtBetween[0])}::date` : 'null::date',
    audience_bought_to: filters.boughtBetween ? `${literal(filters.boughtBetween[1])}::date` : 'null::date',
    audience_min_days_since_purchase: integer(filters.minDaysSincePurchase),
    audience_max_days_since_purchase: integer(filters.maxDaysSincePurchase),
    audience_exclude_days: integer(filters.excludeBoughtWithinDays),
    audience_promoted_product: text(filters.promotedProduct),
    audience_exclude_promoted_days: integer(filters.excludePromotedWithinDays),
    audience_price: number(filters.price),
    audience_min_value_ratio: String(filters.minOrderValueRatio),
    audience_p_alive_low: number(filters.pAlive?.[0]),
    audience_p_alive_high: number(filters.pAlive?.[1]),
    audience_clv_deciles: filters.clvDeciles ? `[${filters.clvDeciles.join(', ')}]::integer[]` : 'null::integer[]',
    audience_discount: String(filters.discount),
    audience_include_in_cycle: String(filters.includeInCycle),
  };
}

// A stage, segment, level, tier or province the shop does not have would select nobody without a word.
async function refuseUnknownValues(db: Kysely<Database>): Promise<void> {
  const { rows } = await sql
    .raw<{ flag: string; unknown_values: string[]; kind: string; source: string; valid_values: string[] }>(unknownValuesSql)
    .execute(db);
  if (rows.length > 0)
    throw new Error(
      rows
        .map(
          (row) =>
            `--${row.flag}: unknown ${row.kind} ${row.unknown_values.map(quoted).join(', ')}; give one of ${row.valid_values.join(', ')} (${row.source})`,
        )
        .join('; '),
    );
}

// A spreadsheet runs a cell that starts with = + - @ as a formula: in CSV such text gets a leading '.
async function writeRows(db: Kysely<Database>, query: string, path: string, format: AudienceExport['format']): Promise<void> {
  if (format === 'arrow') return writeArrow(db, query, path);
  const selection =
    format === 'csv'
      ? `select case when regexp_matches(columns(*)::varchar, '^[=+\\-@\\t\\r]') then '''' || columns(*)::varchar else columns(*)::varchar end from (${query})`
      : query;
  await sql.raw(`copy (${selection}) to ${literal(path)} (format ${format}${format === 'csv' ? ', header' : ''})`).execute(db);
}

// DuckDB here has no Arrow extension: columns go through JavaScript into an Arrow IPC file.
// An audience is a selection of members, small enough to hold.
async function writeArrow(db: Kysely<Database>, query: string, path: string): Promise<void> {
  const { rows } = await sql.raw<Record<string, unknown>>(query).execute(db);
  // An empty arm still gets its columns.
  const described = await sql.raw<{ column_name: string }>(`describe ${query}`).execute(db);
  const names = described.rows.map((row) => row.column_name);
  const columns = Object.fromEntries(names.map((name) => [name, rows.map((row) => row[name])]));
  writeFileSync(path, tableToIPC(tableFromArrays(columns as Parameters<typeof tableFromArrays>[0]), 'file'));
}

function text(value: string | undefined): string {
  return value === undefined ? 'null::varchar' : literal(value);
}

function number(value: number | undefined): string {
  return value === undefined ? 'null::double' : String(value);
}

function integer(value: number | undefined): string {
  return value === undefined ? 'null::integer' : String(value);
}

function textList(values: string[] | undefined): string {
  return values ? `[${values.map(literal).join(', ')}]::varchar[]` : 'null::varchar[]';
}
