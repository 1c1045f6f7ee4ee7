import { join } from 'node:path';
import { sql } from 'kysely';
import { loadFiles } from '../load/load-files.js';
import type { Warehouse } from '../warehouse/open-warehouse.js';
import { parseAudienceFilters } from './audience-filters.js';
import { type AudienceExport, detectableLiftLine, exportAudience } from './export-audience.js';

export interface RuleOutcome {
  rule: string;
  campaignId: string;
  status: 'exported' | 'skipped' | 'failed';
  export?: AudienceExport;
  message?: string;
}

export interface RuleOptions {
  /** The run the exports belong to (the refresh that published, or a run of their own). */
  runId: number;
  /** `--set` overrides of seeds/parameters.csv, as the build had them. */
  parameters?: Record<string, string>;
  log?: (line: string) => void;
}

interface Rule {
  rule: string;
  name: string;
  channel: string;
  control_fraction: number;
  cap_days: number;
  cost_per_contact: number;
  coupon_code: string | null;
  coupon_value: number;
  filters: string;
  as_of_date: string;
  campaign_id: string;
  send_at: string;
  runs: boolean;
}

/**
 * Marketing automation: exports the audience of every rule of marts.audience_rules (as of the
 * as-of date it was built for) to data/audiences/<rule>/<as-of date>.csv, with the guards, and
 * records the contacts at once (the campaigns row and both arms load as that night's campaign), so
 * that the frequency cap and the rule's own cap of the next rules and nights see them. A rule already exported for the date is
 * not exported again. Never throws: a rule that fails is reported through `log` and logged in
 * ops.exports as failed, and the other rules still run.
 */
export async function runAudienceRules(warehouse: Warehouse, options: RuleOptions): Promise<RuleOutcome[]> {
  const log = options.log ?? (() => {});
  let rules: Rule[];
  try {
    rules = (
      await sql<Rule>`select * replace (strftime(send_at, '%Y-%m-%d %H:%M:%S') as send_at) from marts.audience_rules order by rule`.execute(
        warehouse.db,
      )
    ).rows;
  } catch (error) {
    log(`audience rules not run: ${(error as Error).message}`);
    return [];
  }
  const outcomes: RuleOutcome[] = [];
  for (const rule of rules) outcomes.push(await runRule(warehouse, rule, options, log));
  return outcomes;
}

async function runRule(warehouse: Warehouse, rule: Rule, options: RuleOptions, log: (line: string) => void): Promise<RuleOutcome> {
  const { db, config } = warehouse;
  if (!rule.runs) {
    log(`audience rule ${rule.rule}: not run, the build is as of a chosen date (${rule.as_of_date})`);
    return { rule: rule.rule, campaignId: rule.campaign_id, status: 'skipped' };
  }
  const done = await db
    .selectFrom('ops.exports')
    .select('export_id')
    .where('campaign_id', '=', rule.campaign_id)
    .where('rule', '=', rule.rule)
    .where('status', '=', 'exported')
    .executeTakeFirst();
  if (done) {
    log(`audience rule ${rule.rule}: ${rule.campaign_id} was exported before (export ${done.export_id}), not again`);
    return { rule: rule.rule, campaignId: rule.campaign_id, status: 'skipped' };
  }
  const out = join(config.dataDir, 'audiences', rule.rule, `${rule.as_of_date}.csv`);
  let exported: AudienceExport | undefined;
  try {
    exported = await exportAudience(
      db,
      {
        campaignId: rule.campaign_id,
        sendAt: rule.send_at,
        out,
        controlFraction: rule.control_fraction,
        channel: rule.channel,
        campaign: {
          name: rule.name,
          costPerContact: rule.cost_per_contact,
          couponCode: rule.coupon_code ?? undefined,
          couponValue: rule.coupon_value,
        },
        rule: { name: rule.rule, capDays: rule.cap_days, runId: options.runId },
        filters: parseAudienceFilters(rule.filters),
      },
      { config, parameters: options.parameters },
    );
    if (exported.rows > 0) await recordContacts(warehouse, exported, options);
    log(
      `audience rule ${rule.rule}: ${exported.rows - exported.controlRows} members to ${exported.path}, ${exported.controlRows} held out; ` +
        `of ${exported.matched} matching, left out: ${JSON.stringify(exported.guards)}; ${detectableLiftLine(exported.detectableLift)}`,
    );
    return { rule: rule.rule, campaignId: rule.campaign_id, status: 'exported', export: exported };
  } catch (error) {
    const message = (error as Error).message;
    log(`audience rule ${rule.rule} failed (the published marts stand): ${message}`);
    if (exported)
      await db.updateTable('ops.exports').set({ status: 'failed', message }).where('export_id', '=', exported.exportId).execute();
    else
      await db
        .insertInto('ops.exports')
        .values({
          campaign_id: rule.campaign_id,
          path: out,
          format: 'csv',
          filters: JSON.stringify({ flags: rule.filters }),
          control_fraction: rule.control_fraction,
          rows: 0,
          control_rows: 0,
          status: 'failed',
          message,
          rule: rule.rule,
          run_id: options.runId,
          channel: rule.channel,
          exported_at: new Date(),
        })
        .execute();
    return { rule: rule.rule, campaignId: rule.campaign_id, status: 'failed', message };
  }
}

// The export counts as sent: its campaigns row and both arms load like any campaign's files, and
// the next rule's guards, which read contacts as loaded, see them. They are archived as every
// loaded file is, so that a rebuild from the archive has them too.
async function recordContacts(warehouse: Warehouse, exported: AudienceExport, options: RuleOptions): Promise<void> {
  const { db, config } = warehouse;
  const files: Array<[string | null, string]> = [
    [exported.campaignPath, 'campaigns'],
    [exported.rows > exported.controlRows ? exported.path : null, 'campaign_contacts'],
    [exported.controlRows > 0 ? exported.controlPath : null, 'campaign_contacts'],
  ];
  const inputs = files.flatMap(([path, table]) => (path ? [{ path, read: { table } }] : []));
  const results = await loadFiles(db, inputs, {
    runId: options.runId,
    seedsDir: config.seedsDir,
    parameters: options.parameters,
    log: options.log,
    archive: { dir: config.archiveDir },
  });
  const quarantined = results.filter((result) => result.rowsQuarantined > 0);
  if (quarantined.length > 0)
    throw new Error(
      `${quarantined.map((result) => `raw.${result.table}: ${result.rowsQuarantined}`).join(', ')} rows quarantined on loading the export back`,
    );
}
