import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { withRefreshedShop } from '../helpers/refreshed-shop.js';
import { repoDir } from '../helpers/temp-project.js';

// Money is DECIMAL(18,2) in every mart, never DOUBLE; these are the money columns that divide.
const perUnitMoney = [
  'kpi_monthly.aov',
  'kpi_monthly.revenue_per_buyer',
  'kpi_overview.revenue_per_buyer',
  'member_facts.aov',
  'cohort_retention.revenue_per_member',
  'rfm_segments.avg_monetary',
  'campaign_roi.revenue_per_member_t',
  'campaign_roi.revenue_per_member_c',
  'campaign_roi.incremental_revenue',
  'campaign_roi_by_segment.incremental_revenue',
  'promotion_sensitivity.aov',
];

let columns: Array<{ name: string; type: string }> = [];

beforeAll(async () => {
  columns = await withRefreshedShop({ members: 2_000, days: 400, seed: 3 }, async (warehouse) => {
    const { rows } = await sql<{ name: string; type: string }>`select table_name || '.' || column_name as name, data_type as type
      from information_schema.columns where table_schema = 'marts' order by 1`.execute(warehouse.db);
    return rows;
  });
}, 120_000);

describe('mart columns', () => {
  it('hold money as DECIMAL(18,2), every decimal column included', () => {
    const types = Object.fromEntries(columns.map((row) => [row.name, row.type]));
    expect(perUnitMoney.map((column) => [column, types[column]])).toEqual(perUnitMoney.map((column) => [column, 'DECIMAL(18,2)']));
    const otherDecimals = columns
      .filter((row) => row.type.startsWith('DECIMAL') && row.type !== 'DECIMAL(18,2)')
      .map((row) => `${row.name} ${row.type}`);
    // A message's cost is quoted in fractions of a cent (¥0.035), as raw.campaigns holds it.
    expect(otherDecimals).toEqual(['audience_rules.cost_per_contact DECIMAL(18,4)']);
  });

  it('let an alert rule name every figure of kpi_monthly: kpi_alerts lists each of its columns', () => {
    const figures = columns
      .filter((row) => row.name.startsWith('kpi_monthly.') && !['kpi_monthly.month', 'kpi_monthly.month_complete'].includes(row.name))
      .map((row) => row.name.slice('kpi_monthly.'.length));
    const alerts = readFileSync(join(repoDir, 'models/marts/kpi_alerts.sql'), 'utf8');
    const named = [...alerts.matchAll(/\('(\w+)', complete_months\.(\w+)::float8\)/g)].filter(([, metric, column]) => metric === column);
    expect(figures.length).toBeGreaterThan(10);
    expect(named.map(([, metric]) => metric).sort()).toEqual(figures.sort());
  });
});
