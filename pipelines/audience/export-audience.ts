import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { type Kysely, sql } from 'kysely';
import { z } from 'zod';
import { quoted } from '../quoted.js';
import { prepareQueries } from '../run/prepare-queries.js';
import type { RunContext } from '../run/run-context.js';
import { type AudienceGuard, audienceGuards } from '../transform/audience-header.js';
import type { Database } from '../warehouse/database.js';
import { withFileAccessOff } from '../warehouse/open-warehouse.js';
import { literal } from '../warehouse/sql-text.js';
import { type AudienceFilters, type CheckedFilters, checkAudienceFilters, filterConditions } from './audience-filters.js';

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
    /** A standing audience: the members of the model audiences.<audience>, with the guards of its header. */
    audience: z
      .string()
      .regex(/^[a-z_][a-z0-9_]*$/, 'a model name of models/audiences/')
      .optional(),
    guards: z.array(z.enum(audienceGuards)).optional(),
  })
  .refine((options) => !options.campaign || options.channel, { message: 'a campaign row needs the channel', path: ['channel'] })
  .refine((options) => (options.audience === undefined) === (options.guards === undefined), {
    message: 'a standing audience comes with its guards, and only it',
    path: ['guards'],
  });

export type AudienceOptions = z.input<typeof audienceOptionsSchema> & {
  /** The audience command's filters, for an audience of the moment (none: every member). */
  filters?: AudienceFilters;
};

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
const membersSql = readSql('./audience-members.sql');
const guardSql = readSql('./guard-audience.sql');
const filesSql = readSql('./export-files.sql');
const unknownValuesSql = readSql('./unknown-filter-values.sql');

// What the guards read is read as loaded so far: the staging models' own queries over the raw
// tables, so that contacts and opt-outs loaded since the last build (an automation rule's exports,
// this morning's unsubscribes) count at once.
const liveModels = { audience_campaign_contacts: 'staging/stg_campaign_contacts.sql', audience_opt_outs: 'staging/stg_opt_outs.sql' };

/**
 * Writes the audience of a campaign, the members of a standing audience (audiences.<name>, with the
 * guards of its header) or those the filters select, through the guards; the one place contact data
 * leaves the warehouse: the treatment arm with buyer ids and phones for the channel, the control arm without phones in a
 * second file, and optionally the campaigns row; logs the export, with what each guard removed, in
 * ops.exports. Loaded back as campaign_contacts (with the campaigns row), it is measured like any
 * campaign.
 */
export async function exportAudience(db: Kysely<Database>, input: AudienceOptions, context: RunContext): Promise<AudienceExport> {
  const parsed = audienceOptionsSchema.safeParse(input);
  if (!parsed.success) {
    throw new Error(`audience: ${parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ')}`);
  }
  const options = parsed.data;
  if (input.filters && options.audience) throw new Error('audience: give filters or a standing audience, not both');
  const members = membersOf(options, input.filters);
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
      await prepareQueries(connection, context);
      for (const [view, model] of Object.entries(liveModels))
        await sql.raw(`create or replace temp view ${view} as ${readFileSync(join(config.modelsDir, model), 'utf8')}`).execute(connection);
      for (const [name, value] of Object.entries(audienceVariables(options, members.guards)))
        await sql.raw(`set variable ${name} = ${value}`).execute(connection);
      if (members.filters) await refuseUnknownValues(connection, members.filters);
      await sql.raw(`create or replace temp table audience_matched as ${members.query}`).execute(connection);
      await sql.raw(`create or replace temp table audience_selection as ${guardSql}`).execute(connection);
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
            filters: JSON.stringify(members.filters ?? { audience: `audiences.${options.audience}` }),
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
        await sql.raw('drop table audience_selection; drop table audience_matched').execute(connection);
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

interface Members {
  /** The member_id of each member of the audience. */
  query: string;
  guards: AudienceGuard[];
  /** The filters, checked and with their defaults, of an audience of the moment. */
  filters?: CheckedFilters;
}

// An audience of the moment has every guard; the in-cycle one only in a discount campaign (a
// coupon worth more than 0 makes one), unless asked to keep those members.
function membersOf(options: z.output<typeof audienceOptionsSchema>, given: AudienceFilters | undefined): Members {
  if (options.audience) return { query: `select member_id from audiences.${options.audience}`, guards: options.guards! };
  let filters: CheckedFilters;
  try {
    filters = checkAudienceFilters(given ?? {});
  } catch (error) {
    throw new Error(`audience: ${(error as Error).message}`);
  }
  const conditions = filterConditions(filters);
  const discount = (filters.discount || (options.campaign?.couponValue ?? 0) > 0) && !filters['include-in-cycle'];
  return {
    query: `select member_id from (${membersSql}) as members${conditions.length > 0 ? `\nwhere ${conditions.join('\n  and ')}` : ''}`,
    guards: audienceGuards.filter((guard) => guard !== 'in_cycle' || discount),
    filters,
  };
}

/** The options as the DuckDB variables guard-audience.sql and export-files.sql read; NULL = not set. */
function audienceVariables(options: z.output<typeof audienceOptionsSchema>, guards: AudienceGuard[]): Record<string, string> {
  const { campaign } = options;
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
    audience_guards: `[${guards.map(literal).join(', ')}]::varchar[]`,
  };
}

// A stage, segment, level, tier, province, tag or price band the shop does not have would select nobody without a word.
async function refuseUnknownValues(db: Kysely<Database>, filters: AudienceFilters): Promise<void> {
  const given = Object.entries(filters).flatMap(([flag, values]) =>
    (Array.isArray(values) ? values : typeof values === 'string' ? [values] : []).map(
      (value) => `(${literal(flag)}, ${literal(String(value))})`,
    ),
  );
  await sql
    .raw(
      `create or replace temp table audience_given (flag varchar, value varchar)${given.length > 0 ? `; insert into audience_given values ${given.join(', ')}` : ''}`,
    )
    .execute(db);
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
export async function writeRows(db: Kysely<Database>, query: string, path: string, format: AudienceExport['format']): Promise<void> {
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
