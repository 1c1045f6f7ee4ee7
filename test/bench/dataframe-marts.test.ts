import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { type DataframeMarts, dataframeMartsDiffer } from '../../bench/dataframe-marts.js';

// A marts file small enough to write the other engine's rows by hand.
const marts = `create schema marts;
  create table marts.kpi_monthly as select * from (values (date '2026-10-01', 3, 120.50::decimal(18, 2), null::double), (date '2026-11-01', 2, 0.10::decimal(18, 2), 0.5)) as t(month, buyers, revenue, repurchase_rate);
  create table marts.repurchase_ladder as select * from (values ('naive', 1, 10), ('matured', 1, 4)) as t(variant, step_n, reached_n);
  create table marts.cohort_retention as select * from (values (date '2026-10-01', 0, 1 / 3)) as t(cohort_month, month_offset, active_share);
  create table marts.rfm_segments as select * from (values ('champions', '重要价值客户', 1, 2, 1.0, 30.00::decimal(18, 2), 1.0, 5.0, 2.5, 15.0)) as t(segment, segment_zh, segment_order, members, share, revenue, revenue_share, avg_recency_days, avg_frequency, avg_monetary);
  create table marts.member_rfm as select * from (values ('m1', 5, 4, 3, 10.00::decimal(18, 2)), ('m2', 5, 4, 3, 20.00::decimal(18, 2))) as t(member_id, r_score, f_score, m_score, monetary);`;

const byHand = (): DataframeMarts => ({
  kpi_monthly: [
    { month: '2026-10-01', buyers: 3, revenue: 120.5, repurchase_rate: null },
    { month: '2026-11-01', buyers: 2, revenue: 0.1, repurchase_rate: 0.5 },
  ],
  repurchase_ladder: [
    { variant: 'naive', step_n: 1, reached_n: 10 },
    { variant: 'matured', step_n: 1, reached_n: 4 },
  ],
  cohort_retention: [{ cohort_month: '2026-10-01', month_offset: 0, active_share: 1 / 3 }],
  rfm_segments: [
    {
      segment: 'champions',
      segment_zh: '重要价值客户',
      segment_order: 1,
      members: 2,
      share: 1,
      revenue: 30,
      revenue_share: 1,
      avg_recency_days: 5,
      avg_frequency: 2.5,
      avg_monetary: 15,
    },
  ],
  member_rfm_cells: [{ r_score: 5, f_score: 4, m_score: 3, members: 2, monetary: 30 }],
});

describe('comparing marts computed by another engine', () => {
  it('accepts equal values and names each differing cell, missing row and null', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'warehouse-dataframe-'));
    const database = join(dir, 'floor.duckdb');
    try {
      const instance = await DuckDBInstance.create(database);
      const connection = await instance.connect();
      await connection.run(marts);
      connection.closeSync();
      instance.closeSync();

      expect(await dataframeMartsDiffer(database, byHand())).toEqual([]);
      // Summing cents and dividing may differ from DECIMAL arithmetic in the last bits of a double.
      const rounded = byHand();
      rounded.cohort_retention[0]!.active_share = 0.3333333333333334;
      expect(await dataframeMartsDiffer(database, rounded)).toEqual([]);

      const wrong = byHand();
      wrong.kpi_monthly[1]!.revenue = 0.11;
      wrong.kpi_monthly[0]!.repurchase_rate = 0;
      wrong.repurchase_ladder.pop();
      delete wrong.member_rfm_cells[0]!.monetary;
      wrong.rfm_segments[0]!.segment_zh = '重要发展客户';
      expect(await dataframeMartsDiffer(database, wrong)).toEqual([
        'kpi_monthly row 1 repurchase_rate: 0, the marts have null',
        'kpi_monthly row 2 revenue: 0.11, the marts have 0.10',
        'repurchase_ladder: 1 rows, the marts have 2',
        'rfm_segments row 1 segment_zh: "重要发展客户", the marts have 重要价值客户',
        'member_rfm_cells row 1 monetary: undefined, the marts have 30.00',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
