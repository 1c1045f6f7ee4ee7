import { type Kysely, sql } from 'kysely';
import type { Database } from '../warehouse/database.js';

/**
 * What status and the run log say of the alerts in a kpi_alerts table (the build's marts.kpi_alerts
 * or the published one): each alert's summary, or that none is out of its usual range.
 */
export async function describeAlerts(db: Kysely<Database>, relation: string): Promise<string[]> {
  const { rows } = await sql<{ summary: string | null; alert: boolean; checked: number; month: string | null }>`
    select summary, alert, (count(*) filter (where checked) over ())::integer as checked, strftime(month, '%Y-%m') as month
    from ${sql.raw(relation)}
    order by metric`.execute(db);
  const alerts = rows.filter((row) => row.alert).map((row) => row.summary ?? '');
  if (alerts.length > 0) return alerts;
  const month = rows.find((row) => row.month !== null)?.month;
  return [month ? `none (${rows[0]?.checked ?? 0} metrics checked for ${month})` : 'none (no complete month yet)'];
}
