import { describe, expect, it } from 'vitest';
import { loadSeeds } from '../../pipelines/transform/load-seeds.js';
import { openWarehouse } from '../../pipelines/warehouse/open-warehouse.js';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';
import { tempProject } from '../helpers/temp-project.js';

// Purchase occasions (day grain): A 2025-12-01 ¥10, 2026-02-03 ¥100, 2026-02-08 ¥50, 2026-03-02 ¥70 ·
// B 2026-02-09 ¥200 · C 2026-02-15 ¥300, 2026-03-05 ¥30 · D 2026-01-20 ¥40 · E 2026-03-10 ¥60 ·
// F 2026-03-11 ¥500.
const orders = [
  order('A', '2025-12-01', 10),
  order('A', '2026-02-03', 100),
  order('A', '2026-02-08', 50),
  order('A', '2026-03-02', 70),
  order('B', '2026-02-09', 200),
  order('C', '2026-02-15', 300),
  order('C', '2026-03-05', 30),
  order('D', '2026-01-20', 40),
  order('E', '2026-03-10', 60),
  order('F', '2026-03-11', 500),
];
const targets = [
  { month: '2026-02-01', metric: 'revenue', target: 1000 },
  { month: '2026-03-01', metric: 'revenue', target: 500 },
  { month: '2026-03-01', metric: 'buyers', target: 4 },
  { month: '2026-03-01', metric: 'repurchase_rate', target: 0.5 },
  { month: '2026-03-01', metric: 'new_buyers', target: 2 },
  { month: '2026-04-01', metric: 'revenue', target: 100 },
];

async function kpiTargets(asOf: string, given = targets) {
  const rows = await runModel(
    'marts.kpi_targets',
    { 'seeds.targets': given, 'staging.stg_orders': orders },
    { parameters: { as_of_date: asOf }, orderBy: 'month, metric' },
  );
  return Object.fromEntries(rows.map((row) => [`${row.month} ${row.metric}`, row]));
}

describe('progress toward the targets (seeds/targets.csv)', () => {
  it('sets each month so far against its target, and the partial month against the same days of the month before', async () => {
    const rows = await kpiTargets('2026-03-10');
    // April has not begun: no row. Metrics sort in the seed's declared order.
    expect(Object.keys(rows)).toEqual([
      '2026-02-01 revenue',
      '2026-03-01 revenue',
      '2026-03-01 buyers',
      '2026-03-01 repurchase_rate',
      '2026-03-01 new_buyers',
    ]);
    // February is complete: A 100 + 50, B 200, C 300 = 650 of 1,000; nothing to compare.
    expect(rows['2026-02-01 revenue']).toMatchObject({
      actual: 650,
      progress: 0.65,
      month_complete: true,
      as_of_day: 28,
      same_days_before: null,
    });
    // March 1–10: A ¥70, C ¥30, E ¥60 (new; C first bought in February); nobody twice.
    // February 1–10: A twice (¥150, first bought in December), B ¥200 (new).
    expect(rows['2026-03-01 revenue']).toMatchObject({
      actual: 160,
      progress: 0.32,
      month_complete: false,
      as_of_day: 10,
      same_days_before: 350,
    });
    expect(rows['2026-03-01 revenue']!.same_days_change).toBeCloseTo(160 / 350 - 1, 12);
    expect(rows['2026-03-01 buyers']).toMatchObject({ actual: 3, progress: 0.75, same_days_before: 2, same_days_change: 0.5 });
    expect(rows['2026-03-01 new_buyers']).toMatchObject({ actual: 1, progress: 0.5, same_days_before: 1, same_days_change: 0 });
    // The rate against the target rate, and its change in points.
    expect(rows['2026-03-01 repurchase_rate']).toMatchObject({ actual: 0, progress: 0, same_days_before: 0.5, same_days_change: -0.5 });
  });

  it('compares all of a shorter month before: as of March 30, February 1–28', async () => {
    const rows = await kpiTargets('2026-03-30');
    // March 1–30 adds F ¥500 (03-11): 660; all of February: 650.
    expect(rows['2026-03-01 revenue']).toMatchObject({ actual: 660, as_of_day: 30, same_days_before: 650 });
    expect(rows['2026-03-01 revenue']!.same_days_change).toBeCloseTo(660 / 650 - 1, 12);
  });

  it('has no rows without targets', async () => {
    expect(await kpiTargets('2026-03-10', [])).toEqual({});
  });

  it('refuses at load a target for a metric it does not know', async () => {
    const config = tempProject({ seeds: { 'targets.csv': 'month,metric,target\n2026-03-01,revnue,500\n' } });
    const warehouse = await openWarehouse(config);
    try {
      await expect(loadSeeds(warehouse.db, config.seedsDir)).rejects.toThrow(
        /^seeds\/targets.csv: .*"revnue".*ENUM\('revenue', 'buyers', 'repurchase_rate', 'new_buyers'\)/s,
      );
    } finally {
      await warehouse.close();
    }
  });
});
