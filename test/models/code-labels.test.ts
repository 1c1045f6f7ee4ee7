import { describe, expect, it } from 'vitest';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';

// Every code a page shows comes with its label from a seed (中文 English); a code without one shows as written.
describe('labels of the codes pages show', () => {
  it('labels age bands with their bounds, not their codes', async () => {
    const rows = await runModel(
      'marts.member_demographics',
      {
        'staging.stg_members': [
          { member_id: 'A', joined_at: '2026-01-01 09:00:00', gender: 'F', birth_year: 2000 }, // 26 at the as-of date
          { member_id: 'B', joined_at: '2026-01-01 09:00:00', gender: 'M', birth_year: 1970 }, // 56
          { member_id: 'C', joined_at: '2026-01-01 09:00:00' },
        ],
        'staging.stg_orders': [order('A', '2026-01-10', 100)],
      },
      { parameters: { as_of_date: '2026-06-30' }, orderBy: 'dimension, band_order' },
    );
    expect(rows.map((row) => [row.dimension, row.band, row.band_label])).toEqual([
      ['age_band', '25_35', '轻熟 25–35'],
      ['age_band', 'over_50', '50岁以上 over 50'],
      ['age_band', 'unknown', '未知 unknown'],
      ['gender', 'female', '女 female'],
      ['gender', 'male', '男 male'],
      ['gender', 'unknown', '未知 unknown'],
    ]);
  });

  it('labels new and returning buyers and purchases by their refunds, which the Overview showed from its own SQL', async () => {
    const orders = { 'staging.stg_orders': [order('A', '2025-01-10', 100), order('A', '2025-03-05', 80), order('B', '2025-03-10', 60)] };
    const parameters = { as_of_date: '2026-06-30' };
    const types = await runModel('marts.new_vs_returning_monthly', orders, { parameters, orderBy: 'month, buyer_type' });
    expect(types.map((row) => [row.month, row.buyer_type, row.buyer_type_label])).toEqual([
      ['2025-01-01', 'new', '新客 new'],
      ['2025-03-01', 'new', '新客 new'],
      ['2025-03-01', 'returning', '老客 returning'],
    ]);
    // Every purchase is old enough to judge (maturity_days, 365, before the as-of date).
    const refunds = await runModel('marts.refund_repurchase', orders, { parameters });
    expect(refunds.map((row) => [row.previous_purchase, row.previous_purchase_label])).toEqual([['not_refunded', '未退款 not refunded']]);
  });

  it('labels the reference shops and the member levels, not with their codes (mens_shoes, supreme_vip)', async () => {
    const ladders = await runModel('marts.reference_ladders', {}, { orderBy: 'shop_type, step_n' });
    expect([...new Set(ladders.map((row) => row.shop_type_label))]).toEqual([
      '家电 appliances',
      '化妆品 cosmetics',
      "男鞋 men's shoes",
      "女装 women's apparel",
    ]);
    const levels = await runModel('marts.member_levels', {
      'marts.member_facts': [{ member_id: 'A', member_level: 'supreme_vip', member_level_zh: '至尊VIP会员', revenue: 100 }],
    });
    expect(levels).toMatchObject([{ member_level: 'supreme_vip', member_level_label: '至尊VIP会员 supreme vip', members: 1 }]);
  });

  it('labels city tiers in Chinese and English', async () => {
    const rows = await runModel(
      'marts.member_tiers',
      {
        'staging.stg_members': [
          { member_id: 'A', joined_at: '2026-01-01 09:00:00', province: '浙江省', city: '杭州市' },
          { member_id: 'B', joined_at: '2026-01-01 09:00:00', province: '北京市', city: '北京市' },
          { member_id: 'C', joined_at: '2026-01-01 09:00:00' },
        ],
        'staging.stg_orders': [],
      },
      { parameters: { as_of_date: '2026-06-30' }, orderBy: 'tier_order' },
    );
    expect(rows.map((row) => [row.city_tier, row.city_tier_label])).toEqual([
      ['1', '一线 tier 1'],
      ['2', '新一线 new tier 1'],
      ['unknown', '未知 unknown'],
    ]);
  });

  it('labels the ladder variants, cycle levels and categories; a category without a label shows as written', async () => {
    const orders = [order('A', '2026-01-01', 10), order('A', '2026-02-01', 10)];
    const items = orders.map((row, index) => ({
      order_id: row.order_id,
      line_number: 1,
      product_id: `P${index}`,
      product_name: `P${index}`,
      category: index === 0 ? 'tops' : '女装',
      quantity: 1,
      amount: 10,
    }));
    const ladder = await runModel('marts.repurchase_ladder', { 'staging.stg_orders': orders }, { orderBy: 'variant, step_n' });
    expect([...new Set(ladder.map((row) => `${row.variant}: ${row.variant_label}`))]).toEqual([
      'matured: 成熟口径 matured',
      'naive: 全量口径 naive (everyone)',
    ]);
    const cycles = await runModel(
      'marts.product_repurchase_cycle',
      { 'staging.stg_orders': orders, 'staging.stg_order_items': items },
      { orderBy: 'level, item_key' },
    );
    expect(cycles.map((row) => [row.level_label, row.item_key, row.category_label])).toEqual([
      ['类目 category', 'tops', '上衣 tops'],
      ['类目 category', '女装', '女装'],
      ['商品 product', 'P0', '上衣 tops'],
      ['商品 product', 'P1', '女装'],
    ]);
  });

  it('labels campaign channels, and the rollup by channel and month', async () => {
    const campaign = (campaignId: string, channel: string, sentAt: string) => ({
      campaign_id: campaignId,
      name: campaignId,
      channel,
      sent_at: sentAt,
      cost_per_contact: 0.1,
      coupon_value: 0,
      attribution_days: 7,
    });
    const given = {
      'staging.stg_orders': [order('A', '2026-06-01', 10)],
      'staging.stg_campaigns': [campaign('K1', 'wangwang', '2026-05-01 10:00:00'), campaign('K2', 'line', '2026-06-01 10:00:00')],
      'staging.stg_campaign_contacts': [],
    };
    const parameters = { as_of_date: '2026-06-30' };
    const roi = await runModel('marts.campaign_roi', given, { parameters, orderBy: 'campaign_id' });
    expect(roi.map((row) => [row.channel, row.channel_label])).toEqual([
      ['wangwang', '旺旺 Wangwang chat'],
      ['line', 'line'],
    ]);
    const rollup = await runModel('marts.campaign_rollup', given, { parameters, orderBy: 'dimension, rollup_key' });
    expect(rollup.map((row) => [row.dimension_label, row.rollup_key, row.rollup_label])).toEqual([
      ['渠道 channel', 'line', 'line'],
      ['渠道 channel', 'wangwang', '旺旺 Wangwang chat'],
      ['月份 month', '2026-05', '2026-05'],
      ['月份 month', '2026-06', '2026-06'],
    ]);
  });

  it("labels an automation rule's channel and says whom it reaches by its audience model's description", async () => {
    const header = (audience: string, channel: string, description: string) => ({
      audience,
      name: audience,
      channel,
      control_fraction: 0.1,
      cap_days: 30,
      cost_per_contact: 0.04,
      guards: 'opted_out, rule_cap',
      description,
      file: `models/audiences/${audience}.sql`,
    });
    const rows = await runModel(
      'marts.audience_rules',
      {
        'intermediate.int_audience_headers': [
          header('a_cycle', 'sms', '活跃老客，周期将到 · Active buyers as their cycle comes round'),
          header('b_all', 'push', ''),
        ],
      },
      { parameters: { as_of_date: '2026-06-30' }, orderBy: 'rule' },
    );
    expect(rows.map((row) => [row.rule, row.channel_label, row.filters, row.filters_label, row.guards])).toEqual([
      ['a_cycle', '短信 SMS', 'audiences.a_cycle', '活跃老客，周期将到 · Active buyers as their cycle comes round', 'opted_out, rule_cap'],
      ['b_all', '推送 app push', 'audiences.b_all', '全部会员 all members', 'opted_out, rule_cap'],
    ]);
  });
});

// A chart's series are rows, each with its label, so that a page only selects them.
describe('the series the pages draw', () => {
  it('give each campaign arm and each ROI its own labelled row', async () => {
    const campaign = {
      campaign_id: 'C1',
      name: 'spring',
      sent_at: '2026-04-01 10:00:00',
      treatment_size: 900,
      responders_t: 90,
      response_rate_t: 0.1,
      revenue_per_member_t: 12.5,
      control_size: 100,
      responders_c: 5,
      response_rate_c: 0.05,
      revenue_per_member_c: 6,
      naive_roi: 8,
      incremental_roi_if_significant: 3.5,
    };
    const arms = await runModel('marts.campaign_arms', { 'marts.campaign_roi': [campaign] }, { orderBy: 'arm_order' });
    expect(arms.map((row) => [row.arm_label, Number(row.members), Number(row.responders), row.response_rate])).toEqual([
      ['触达组 treatment', 900, 90, 0.1],
      ['对照组 control', 100, 5, 0.05],
    ]);
    const bases = await runModel('marts.campaign_roi_bases', { 'marts.campaign_roi': [campaign] }, { orderBy: 'roi_basis_order' });
    expect(bases.map((row) => [row.roi_basis_label, row.roi])).toEqual([
      ['投入产出比 naive', 8],
      ['增量ROI incremental (significant only)', 3.5],
    ]);
  });

  it('sum the level moves of a month end over the levels, and put the shop ladder beside the references', async () => {
    const levels = [
      { month_end: '2026-04-30', member_level: 'regular', upgraded: 0, downgraded: 2 },
      { month_end: '2026-04-30', member_level: 'senior', upgraded: 3, downgraded: 1 },
      { month_end: '2026-04-30', member_level: 'vip', upgraded: 4, downgraded: 0 },
    ];
    const moves = await runModel('marts.level_moves_monthly', { 'marts.member_levels_monthly': levels }, { orderBy: 'move_order' });
    expect(moves.map((row) => [row.move_label, Number(row.members)])).toEqual([
      ['升级 upgraded', 7],
      ['降级 downgraded', 3],
    ]);
    const ladders = await runModel(
      'marts.repurchase_ladder_compared',
      {
        'marts.repurchase_ladder': [
          { variant: 'matured', variant_label: '成熟口径 matured', step_n: 1, conversion: 0.2 },
          { variant: 'matured', variant_label: '成熟口径 matured', step_n: 6, conversion: 0.9 },
        ],
        'marts.reference_ladders': [{ shop_type: 'cosmetics', shop_type_label: '化妆品 cosmetics', step_n: 1, conversion: 0.3 }],
      },
      { orderBy: 'ladder_label, step_n' },
    );
    // Step 6 is past the five the chart compares.
    expect(ladders.map((row) => [row.ladder_label, row.step_n, row.conversion])).toEqual([
      ['参考 化妆品 cosmetics', 1, 0.3],
      ['本店 成熟口径 matured', 1, 0.2],
    ]);
  });
});
