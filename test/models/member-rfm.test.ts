import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';

// As of 2026-06-30 with a 365-day lookback: occasions after 2025-06-30 count.
const orders = [
  order('A', '2026-06-30', 100),
  order('A', '2026-06-01', 100),
  order('A', '2026-05-01', 100), // R 0, F 3, M 300
  order('B', '2026-06-30', 50), // R 0, F 1, M 50
  order('C', '2026-03-02', 500),
  order('C', '2026-01-01', 500), // R 120, F 2, M 1000
  order('D', '2025-12-02', 50), // R 210, F 1, M 50
  order('E', '2025-07-01', 20), // R 364, F 1, M 20
  order('F', '2025-06-30', 999), // exactly 365 days before: outside the lookback, not scored
];

const rfm = (parameters: Record<string, string> = {}) =>
  runModel(
    'marts.member_rfm',
    { 'staging.stg_orders': orders },
    { parameters: { as_of_date: '2026-06-30', ...parameters }, orderBy: 'member_id' },
  );

describe('marts.member_rfm', () => {
  it('scores only members with an occasion in the lookback, R/F/M as defined', async () => {
    const rows = await rfm();
    expect(rows.map((row) => [row.member_id, row.recency_days, row.frequency, row.monetary])).toEqual([
      ['A', 0, 3, 300],
      ['B', 0, 1, 50],
      ['C', 120, 2, 1000],
      ['D', 210, 1, 50],
      ['E', 364, 1, 20],
    ]);
  });

  it('scores quintiles as 1 + floor(5 (rank - 1) / n) with ties sharing a rank', async () => {
    const rows = await rfm();
    // n = 5. R ranks by -recency: E 1, D 2, C 3, A and B 4. F ranks: B, D, E 1; C 4; A 5.
    // M ranks: E 1; B and D 2; A 4; C 5.
    expect(rows.map((row) => [row.member_id, row.r_score, row.f_score, row.m_score, row.rfm_cell])).toEqual([
      ['A', 4, 5, 4, '454'],
      ['B', 4, 1, 2, '412'],
      ['C', 3, 4, 5, '345'],
      ['D', 2, 1, 2, '212'],
      ['E', 1, 1, 1, '111'],
    ]);
  });

  it('segments by comparing with the mean: high R is more recent than 138.8 days, high F above 1.6, high M above ¥284', async () => {
    const rows = await rfm();
    expect(rows.map((row) => [row.member_id, row.segment, row.segment_zh])).toEqual([
      ['A', 'champions', '重要价值客户'],
      ['B', 'new_or_promising', '一般发展客户'],
      ['C', 'champions', '重要价值客户'],
      ['D', 'lost_low_value', '一般挽留客户'],
      ['E', 'lost_low_value', '一般挽留客户'],
    ]);
  });

  it('segments by the median when asked, a value equal to it counting as low', async () => {
    const rows = await rfm({ segment_threshold: 'median' });
    // Medians: recency 120 (C's own: low R), frequency 1, monetary ¥50.
    expect(rows.map((row) => [row.member_id, row.segment])).toEqual([
      ['A', 'champions'],
      ['B', 'new_or_promising'],
      ['C', 'important_to_retain'],
      ['D', 'lost_low_value'],
      ['E', 'lost_low_value'],
    ]);
  });

  it('scores by the thresholds of seeds/rfm_thresholds.csv when asked', async () => {
    const rows = await rfm({ rfm_method: 'thresholds' });
    // R: ≤30 → 5, ≤180 → 2, ≤365 → 1. F: ≥3 → 3, ≥2 → 2. M: ≥800 → 4, ≥300 → 3, ≥0 → 1.
    expect(rows.map((row) => [row.member_id, row.rfm_cell])).toEqual([
      ['A', '533'],
      ['B', '511'],
      ['C', '224'],
      ['D', '111'],
      ['E', '111'],
    ]);
  });
});

describe('marts.rfm_segments', () => {
  it('summarises all eight segments, empty ones with zero members', async () => {
    const rows = await runModel(
      'marts.rfm_segments',
      { 'staging.stg_orders': orders },
      { parameters: { as_of_date: '2026-06-30' }, orderBy: 'segment_order' },
    );
    expect(rows.map((row) => [row.segment, row.members, row.share, row.revenue])).toEqual([
      ['champions', 2, 0.4, 1300],
      ['important_to_develop', 0, 0, 0],
      ['important_to_retain', 0, 0, 0],
      ['important_to_win_back', 0, 0, 0],
      ['loyal_low_spend', 0, 0, 0],
      ['new_or_promising', 1, 0.2, 50],
      ['needs_attention', 0, 0, 0],
      ['lost_low_value', 2, 0.4, 70],
    ]);
    const champions = rows[0]!;
    expect(champions.revenue_share).toBeCloseTo(1300 / 1420, 12);
    expect([champions.avg_recency_days, champions.avg_frequency, champions.avg_monetary]).toEqual([60, 2.5, 650]);
    expect(rows.map((row) => row.segment_label).slice(0, 3)).toEqual([
      '重要价值客户 champions',
      '重要发展客户 important to develop',
      '重要保持客户 important to retain',
    ]);
    expect([champions.recommended_action_zh, champions.recommended_action]).toEqual([
      'VIP关怀与新品优先；不要用折扣培养他们',
      'VIP care and early access; never discount-train them',
    ]);
  });
});

describe('marts.rfm_score_ties', () => {
  it('names the quintile scores a tie leaves empty, with the tied value, its members and a sentence', async () => {
    const rows = await runModel(
      'marts.rfm_score_ties',
      { 'staging.stg_orders': orders },
      { parameters: { as_of_date: '2026-06-30' }, orderBy: 'dimension, tied_score' },
    );
    // F: B, D and E buy once (3 of 5), rank 1, score 1; C is rank 4 (score 4), A rank 5: F2 and F3 are empty.
    // M: B and D spend ¥50, rank 2, score 2; A is rank 4 (score 4): M3 is empty.
    // R: A and B bought on the as-of day, rank 4 by -R, score 4, and nobody is above them: R5 is empty.
    expect(rows.map((row) => [row.dimension, row.tied_score, row.empty_scores, row.tied_value, row.tied_members, row.tied_share])).toEqual([
      ['F', 1, 'F2, F3', 1, 3, 0.6],
      ['M', 2, 'M3', 50, 2, 0.4],
      ['R', 4, 'R5', 0, 2, 0.4],
    ]);
    expect(rows[0]!.note).toBe(
      'F2, F3 无人：3 位会员（60.0%）的购买次数同为 1，并列同一排名，都得 F1。 F2, F3 empty: 3 members (60.0%) have the same purchase count, 1; tied, they share one rank and all score F1.',
    );
    expect(rows[1]!.note).toContain('消费额同为 ¥50.00');
  });

  it('has no rows when scores come from thresholds', async () => {
    const rows = await runModel(
      'marts.rfm_score_ties',
      { 'staging.stg_orders': orders },
      { parameters: { as_of_date: '2026-06-30', rfm_method: 'thresholds' } },
    );
    expect(rows).toEqual([]);
  });
});

describe('marts.rfm_grid', () => {
  it('has all 25 cells of R × F, empty ones with zero members', async () => {
    const rows = await runModel(
      'marts.rfm_grid',
      { 'staging.stg_orders': orders },
      { parameters: { as_of_date: '2026-06-30' }, orderBy: 'recency_score, frequency_score' },
    );
    expect(rows).toHaveLength(25);
    // A R4 F5, B R4 F1, C R3 F4, D R2 F1, E R1 F1.
    expect(
      rows.filter((row) => Number(row.members) > 0).map((row) => [row.recency_score, row.frequency_score, row.members, row.revenue]),
    ).toEqual([
      ['R1', 'F1', 1, 20],
      ['R2', 'F1', 1, 50],
      ['R3', 'F4', 1, 1000],
      ['R4', 'F1', 1, 50],
      ['R4', 'F5', 1, 300],
    ]);
    expect(rows.find((row) => row.recency_score === 'R5' && row.frequency_score === 'F2')?.members).toBe(0);
  });
});
