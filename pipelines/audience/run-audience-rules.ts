import { join } from 'node:path';
import { sql } from 'kysely';
import { loadFiles } from '../load/load-files.js';
import type { Run } from '../run/run-context.js';
import type { AudienceGuard } from '../transform/audience-header.js';
import type { Warehouse } from '../warehouse/open-warehouse.js';
import { type AudienceExport, detectableLiftLine, exportAudience } from './export-audience.js';

export interface RuleOutcome {
  rule: string;
  campaignId: string;
  status: 'exported' | 'skipped' | 'failed';
  export?: AudienceExport;
  message?: string;
}

/** The columns of marts.audience_rules the export reads, as it selects them. */
interface Rule {
  rule: string;
  name: string;
  channel: string;
  control_fraction: number;
  cap_days: number;
  cost_per_contact: number;
  coupon_code: string | null;
  coupon_value: number;
  /** Comma separated. */
  guards: string;
  as_of_date: string;
  campaign_id: string;
  send_at: string;
  runs: boolean;
}

/**
 * Marketing automation: exports the audience of every rule of marts.audience_rules, the standing
 * audiences of models/audiences/ (as of the as-of date they were built for), to data/audiences/<rule>/<as-of date>.csv, with the guards, and
 * records the contacts at once (the campaigns row and both arms load as that night's campaign), so
 * that the frequency cap and the rule's own cap of the next rules and nights see them. A rule already exported for the date is
 * not exported again. Never throws: a rule that fails is reported through `log` and logged in
 * ops.exports as failed, and the other rules still run.
 */
export async function runAudienceRules(warehouse: Warehouse, run: Run): Promise<RuleOutcome[]> {
  const { log } = run;
  let rules: Rule[];
  try {
    rules = (
      await sql<Rule>`
        select rule, name, channel, control_fraction, cap_days, cost_per_contact, coupon_code, coupon_value, guards, as_of_date,
          campaign_id, strftime(send_at, '%Y-%m-%d %H:%M:%S') as send_at, runs
        from marts.audience_rules order by rule`.execute(warehouse.db)
    ).rows;
  } catch (error) {
    log(`audience rules not run: ${(error as Error).message}`);
    return [];
  }
  const outcomes: RuleOutcome[] = [];
  for (const rule of rules) outcomes.push(await runRule(warehouse, rule, run));
  return outcomes;
}

async function runRule(warehouse: Warehouse, rule: Rule, run: Run): Promise<RuleOutcome> {
  const { db, config } = warehouse;
  const { log } = run;
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
        rule: { name: rule.rule, capDays: rule.cap_days, runId: run.runId },
        audience: rule.rule,
        guards: rule.guards.split(',').map((guard) => guard.trim() as AudienceGuard),
      },
      run,
    );
    if (exported.rows > 0) await recordContacts(warehouse, exported, run);
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
          filters: JSON.stringify({ audience: `audiences.${rule.rule}` }),
          control_fraction: rule.control_fraction,
          rows: 0,
          control_rows: 0,
          status: 'failed',
          message,
          rule: rule.rule,
          run_id: run.runId,
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
async function recordContacts(warehouse: Warehouse, exported: AudienceExport, run: Run): Promise<void> {
  const { db, config } = warehouse;
  const files: Array<[string | null, string]> = [
    [exported.campaignPath, 'campaigns'],
    [exported.rows > exported.controlRows ? exported.path : null, 'campaign_contacts'],
    [exported.controlRows > 0 ? exported.controlPath : null, 'campaign_contacts'],
  ];
  const inputs = files.flatMap(([path, table]) => (path ? [{ path, read: { table } }] : []));
  const results = await loadFiles(db, inputs, {
    runId: run.runId,
    seedsDir: config.seedsDir,
    parameters: run.parameters,
    log: run.log,
    archive: { dir: config.archiveDir },
  });
  const quarantined = results.filter((result) => result.rowsQuarantined > 0);
  if (quarantined.length > 0)
    throw new Error(
      `${quarantined.map((result) => `raw.${result.table}: ${result.rowsQuarantined}`).join(', ')} rows quarantined on loading the export back`,
    );
}
