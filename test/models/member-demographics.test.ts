import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';

// As of 2026-06-30 (maturity 30 days): A (F, born 2000) buys 01-10 and 01-20; B (女, 2005) buys 03-01;
// C (M, 1970) never buys; D (no gender, no birth year) buys 06-20, too recent to judge.
const given = {
  'staging.stg_members': [
    { member_id: 'A', joined_at: '2026-01-01 09:00:00', gender: 'F', birth_year: 2000 },
    { member_id: 'B', joined_at: '2026-01-01 09:00:00', gender: '女', birth_year: 2005 },
    { member_id: 'C', joined_at: '2026-01-01 09:00:00', gender: 'M', birth_year: 1970 },
    { member_id: 'D', joined_at: '2026-06-01 09:00:00' },
  ],
  'staging.stg_orders': [
    order('A', '2026-01-10', 100),
    order('A', '2026-01-20', 50),
    order('B', '2026-03-01', 300),
    order('D', '2026-06-20', 80),
  ],
};

describe('marts.member_demographics', () => {
  it('shares members, buyers and revenue by gender and age band, with AOV and the second-purchase rate', async () => {
    const rows = await runModel('marts.member_demographics', given, {
      parameters: { as_of_date: '2026-06-30', maturity_days: '30', min_rate_members: '1' },
      orderBy: 'dimension, band_order',
    });
    expect(
      rows.map((row) => [
        row.dimension,
        row.band,
        row.band_zh,
        row.members,
        row.member_share,
        row.buyers,
        row.revenue,
        row.aov,
        row.judged_buyers,
        row.second_purchase_rate,
      ]),
    ).toEqual([
      ['age_band', '18_24', '少年', 1, 0.25, 1, 300, 300, 1, 0], // B is 21
      ['age_band', '25_35', '轻熟', 1, 0.25, 1, 150, 75, 1, 1], // A is 26, came back in 10 days
      ['age_band', 'over_50', '50岁以上', 1, 0.25, 0, 0, null, 0, null], // C is 56
      ['age_band', 'unknown', '未知', 1, 0.25, 1, 80, 80, 0, null],
      ['gender', 'female', '女', 2, 0.5, 2, 450, 150, 2, 0.5],
      ['gender', 'male', '男', 1, 0.25, 0, 0, null, 0, null],
      ['gender', 'unknown', '未知', 1, 0.25, 1, 80, 80, 0, null],
    ]);
    const female = rows.find((row) => row.band === 'female')!;
    expect([female.buyer_share, female.revenue_share]).toEqual([2 / 3, 450 / 530]);
  });

  it('leaves the second-purchase rate of a band empty when fewer than min_rate_members are judged', async () => {
    const rows = await runModel('marts.member_demographics', given, {
      parameters: { as_of_date: '2026-06-30', maturity_days: '30', min_rate_members: '2' },
      orderBy: 'dimension, band_order',
    });
    // Judged: 18_24 B and 25_35 A, one each; female both of them.
    expect(
      rows
        .filter((row) => row.judged_buyers !== 0)
        .map((row) => [row.band, row.judged_buyers, row.second_purchasers, row.second_purchase_rate]),
    ).toEqual([
      ['18_24', 1, 0, null],
      ['25_35', 1, 1, null],
      ['female', 2, 1, 0.5],
    ]);
  });
});

describe('marts.member_tiers', () => {
  it('counts members by city tier, 杭州 as 杭州市, with the unknown share', async () => {
    const rows = await runModel(
      'marts.member_tiers',
      {
        'staging.stg_members': [
          { member_id: 'H', joined_at: '2026-01-01 09:00:00', province: '浙江省', city: '杭州' },
          { member_id: 'S', joined_at: '2026-01-01 09:00:00', province: '上海市', city: '上海市' },
          { member_id: 'Y', joined_at: '2026-01-01 09:00:00', province: '新疆维吾尔自治区', city: '伊犁哈萨克自治州' },
          { member_id: 'N', joined_at: '2026-01-01 09:00:00', province: '浙江省', city: '西湖区' },
        ],
        'staging.stg_orders': [order('H', '2026-03-01', 100)],
      },
      { orderBy: 'tier_order' },
    );
    expect(rows.map((row) => [row.city_tier, row.city_tier_zh, row.members, row.member_share, row.buyers])).toEqual([
      ['1', '一线', 1, 0.25, 0],
      ['2', '新一线', 1, 0.25, 1],
      ['6', '五线', 1, 0.25, 0],
      ['unknown', '未知', 1, 0.25, 0],
    ]);
  });
});
