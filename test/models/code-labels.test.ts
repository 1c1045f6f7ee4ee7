import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { audienceFilterArgs } from '../../pipelines/audience/audience-filters.js';
import { order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';
import { repoDir } from '../helpers/temp-project.js';

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

  it("says an automation rule's filters in words, Chinese then English, codes by their labels", async () => {
    const rule = (name: string, channel: string, filters: string) => ({
      rule: name,
      name,
      channel,
      control_fraction: 0.1,
      cap_days: 30,
      cost_per_contact: 0.04,
      filters,
    });
    const rows = await runModel(
      'marts.audience_rules',
      {
        'seeds.audience_rules': [
          rule('a_cycle', 'sms', '--stage active --min-days-since-purchase 53 --max-days-since-purchase 66'),
          rule(
            'b_mixed',
            'edm',
            '--segment champions,important_to_retain --due-category=tops --discount --no-include-in-cycle --p-alive 0.2,0.6',
          ),
          rule('c_all', 'push', ''),
        ],
      },
      { parameters: { as_of_date: '2026-06-30' }, orderBy: 'rule' },
    );
    expect(rows.map((row) => [row.channel_label, row.filters_label])).toEqual([
      [
        '短信 SMS',
        '生命周期：活跃；距上次购买至少 53 天；距上次购买至多 66 天 · lifecycle stage: active; at least 53 days since the last purchase; at most 66 days since the last purchase',
      ],
      [
        '邮件 email',
        'RFM分层：重要价值客户、重要保持客户；到回购期的类目：上衣；打折活动（不发给回购周期内的会员）；存活概率：0.2、0.6 · RFM segment: champions, important to retain; due to buy again from category: tops; discount campaign (none inside their repurchase cycle); P(alive): 0.2, 0.6',
      ],
      ['推送 app push', '全部会员 all members'],
    ]);
  });

  it('has a phrase for every flag the audience command knows', () => {
    const seed = readFileSync(join(repoDir, 'seeds/audience_filter_labels.csv'), 'utf8');
    const flags = seed
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => line.split(',')[0]);
    expect(flags.sort()).toEqual(Object.keys(audienceFilterArgs).sort());
  });
});
