import { describe, expect, it } from 'vitest';
import { runModel } from '../helpers/run-model.js';

// Twelve complete months 2025-10..2026-09 before the last complete one, 2026-10; 2026-11 is partial.
// Revenue 100, 110, …, 210: median (150 + 160) / 2 = 155; deviations 55, 45, …, 5, 5, …, 55, whose
// median is (25 + 35) / 2 = 30; range 155 ± 3 × 30 = 65–245. 2025-09 (revenue 999,999) is 13 months
// before: were it in the window, the median would be 160. Buyers are 50 and new buyers 10 every month
// (MAD 0). The repurchase rate moves from 0.1 to 0.9, but its rule asks for 13 months.
const windowMonths = Array.from({ length: 12 }, (_, i) => {
  const month = new Date(Date.UTC(2025, 9 + i, 1)).toISOString().slice(0, 10);
  return { month, month_complete: true, revenue: 100 + 10 * i, buyers: 50, new_buyers: 10, repurchase_rate: 0.1, aov: 20 };
});
const kpiMonthly = [
  { month: '2025-09-01', month_complete: true, revenue: 999999, buyers: 50, new_buyers: 10, repurchase_rate: 0.1, aov: 20 },
  ...windowMonths,
  { month: '2026-10-01', month_complete: true, revenue: 60, buyers: 50, new_buyers: 11, repurchase_rate: 0.9, aov: 500 },
  { month: '2026-11-01', month_complete: false, revenue: 0, buyers: 1, new_buyers: 0, repurchase_rate: 0, aov: 0 },
];
const rule = (metric: string, unit: string, changes: Record<string, unknown> = {}) => ({
  metric,
  label_zh: metric,
  label_en: metric.replace('_', ' '),
  unit,
  window_months: 12,
  mads: 3,
  min_months: 6,
  enabled: true,
  ...changes,
});

describe('marts.kpi_alerts', () => {
  it("flags the last complete month's figures outside the trailing median ± 3 MADs, with MAD 0 and min_months", async () => {
    const rows = await runModel(
      'marts.kpi_alerts',
      {
        'marts.kpi_monthly': kpiMonthly,
        'seeds.alert_rules': [
          rule('revenue', 'yuan'),
          rule('buyers', 'count'),
          rule('new_buyers', 'count'),
          rule('repurchase_rate', 'share', { min_months: 13 }),
          rule('aov', 'yuan', { enabled: false }),
        ],
      },
      { orderBy: 'metric' },
    );
    const shown = rows.map((row) => [
      row.metric,
      row.month,
      row.value,
      row.usual_median,
      row.usual_mad,
      row.usual_low,
      row.usual_high,
      row.window_months_found,
      row.checked,
      row.direction,
      row.alert,
    ]);
    expect(shown).toEqual([
      ['aov', '2026-10-01', 500, 20, 0, 20, 20, 12, false, null, false],
      ['buyers', '2026-10-01', 50, 50, 0, 50, 50, 12, true, null, false],
      ['new_buyers', '2026-10-01', 11, 10, 0, 10, 10, 12, true, 'above', true],
      ['repurchase_rate', '2026-10-01', 0.9, 0.1, 0, 0.1, 0.1, 12, false, null, false],
      ['revenue', '2026-10-01', 60, 155, 30, 65, 245, 12, true, 'below', true],
    ]);
    expect(rows.filter((row) => row.alert).map((row) => row.summary)).toEqual([
      "new buyers 11 above its usual 10–10 (12 months' median ± 3 MADs)",
      "revenue ¥60 below its usual ¥65–¥245 (12 months' median ± 3 MADs)",
    ]);
  });

  it('refuses a rule whose metric is not a figure of marts.kpi_monthly, naming the seed', async () => {
    const given = { 'marts.kpi_monthly': kpiMonthly, 'seeds.alert_rules': [rule('revenu', 'yuan')] };
    await expect(runModel('marts.kpi_alerts', given)).rejects.toThrow(
      "seeds/alert_rules.csv: metric 'revenu' with unit 'yuan' is not a figure of marts.kpi_monthly in yuan, count or share; name one of its columns and one of those units",
    );
  });
});
