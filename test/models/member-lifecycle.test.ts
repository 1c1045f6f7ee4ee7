import { describe, expect, it } from 'vitest';
import { days, order } from '../helpers/fixtures.js';
import { runModel } from '../helpers/run-model.js';

describe('lifecycle stages at their exact boundaries (C = 30 days)', () => {
  it('is silent above C, sleeping above 2C and churned above 4C, never at them', async () => {
    // As of 2026-06-30: one purchase r days before it.
    const recencies: Record<string, string> = {
      r30: '2026-05-31',
      r31: '2026-05-30',
      r60: '2026-05-01',
      r61: '2026-04-30',
      r120: '2026-03-02',
      r121: '2026-03-01',
    };
    const orders = [
      ...Object.entries(recencies).map(([member, day]) => order(member, day, 10)),
      order('two', '2026-06-29', 10),
      order('two', '2026-06-30', 10),
      ...days('2026-06-28', 3).map((day) => order('three', day, 10)),
    ];
    const rows = await runModel(
      'marts.member_facts',
      { 'staging.stg_orders': orders, 'staging.stg_members': [] },
      { parameters: { as_of_date: '2026-06-30', shop_cycle_days: '30' }, orderBy: 'member_id' },
    );
    expect(Object.fromEntries(rows.map((row) => [row.member_id, row.lifecycle_stage]))).toEqual({
      r30: 'new',
      r31: 'silent',
      r60: 'silent',
      r61: 'sleeping',
      r120: 'sleeping',
      r121: 'churned',
      two: 'returning',
      three: 'active',
    });
  });
});

describe('member levels at their exact thresholds', () => {
  it('counts completed orders only, by revenue or by order count', async () => {
    const orders = [
      order('vip_by_revenue', '2026-06-01', 3000),
      order('vip_by_orders', '2026-06-01', 1),
      ...days('2026-05-01', 9).map((day) => order('vip_by_orders', day, 1)),
      order('supreme', '2026-06-01', 10000),
      order('just_below', '2026-06-01', 2999.99),
      order('paid_not_completed', '2026-06-01', 5000, 'paid'),
      ...days('2026-05-01', 4).map((day) => order('four_orders', day, 1)),
    ];
    const rows = await runModel(
      'marts.member_facts',
      { 'staging.stg_orders': orders, 'staging.stg_members': [] },
      { orderBy: 'member_id' },
    );
    expect(Object.fromEntries(rows.map((row) => [row.member_id, row.member_level]))).toEqual({
      vip_by_revenue: 'vip',
      vip_by_orders: 'vip',
      supreme: 'supreme_vip',
      just_below: 'senior',
      paid_not_completed: 'regular',
      four_orders: 'regular',
    });
  });
});

describe('marts.lifecycle_monthly', () => {
  it('snapshots each month end, counts moves into a stage and wake-ups in the following month', async () => {
    const rows = await runModel(
      'marts.lifecycle_monthly',
      {
        'staging.stg_orders': [order('X', '2026-01-20', 100), order('X', '2026-04-10', 100)],
        'staging.stg_members': [
          { member_id: 'X', joined_at: '2026-01-15 09:00:00' },
          { member_id: 'Y', joined_at: '2026-02-10 09:00:00' },
        ],
      },
      { parameters: { as_of_date: '2026-04-30', shop_cycle_days: '30', min_rate_members: '1' }, orderBy: 'month_end, stage_order' },
    );
    expect(rows).toHaveLength(4 * 7);
    // X: new (Jan, recency 11), silent (Feb, 39 > 30), sleeping (Mar, 70 > 60), returning (Apr, bought 04-10).
    // Y: a prospect from February. April's wake-ups are unknown until May is over.
    expect(
      rows.filter((row) => row.members !== 0).map((row) => [row.month_end, row.stage, row.members, row.moved_in, row.woke_up]),
    ).toEqual([
      ['2026-01-31', 'new', 1, 1, 0],
      ['2026-02-28', 'prospect', 1, 1, 0],
      ['2026-02-28', 'silent', 1, 1, 0],
      ['2026-03-31', 'prospect', 1, 0, 0],
      ['2026-03-31', 'sleeping', 1, 1, 1],
      ['2026-04-30', 'prospect', 1, 0, null],
      ['2026-04-30', 'returning', 1, 1, null],
    ]);
    expect(rows.find((row) => row.month_end === '2026-03-31' && row.stage === 'sleeping')?.wake_up_rate).toBe(1);
  });

  it('gives no wake-up rate over fewer than min_rate_members sleeping members', async () => {
    const given = {
      'staging.stg_orders': [order('X', '2026-01-20', 100), order('X', '2026-04-10', 100)],
      'staging.stg_members': [{ member_id: 'X', joined_at: '2026-01-15 09:00:00' }],
    };
    const wakeUp = async (minRateMembers: string) =>
      (
        await runModel('marts.lifecycle_monthly', given, {
          parameters: { as_of_date: '2026-04-30', shop_cycle_days: '30', min_rate_members: minRateMembers },
        })
      ).find((row) => row.month_end === '2026-03-31' && row.stage === 'sleeping');
    // X alone was sleeping at March's end and woke up in April: 1 of 1, no finding under 2 members.
    expect(await wakeUp('2')).toMatchObject({ members: 1, woke_up: 1, wake_up_rate: null });
    expect(await wakeUp('1')).toMatchObject({ members: 1, woke_up: 1, wake_up_rate: 1 });
  });
});

describe('intermediate.int_member_stages_dated', () => {
  const given = {
    'staging.stg_orders': [
      order('A', '2026-04-10', 100),
      order('A', '2026-06-10', 100),
      order('B', '2026-06-12', 100),
      order('Q', '2026-06-02', 100),
    ],
    'staging.stg_members': [
      { member_id: 'B', joined_at: '2026-06-05 09:00:00' },
      { member_id: 'P', joined_at: '2026-03-01 09:00:00' },
      { member_id: 'Q', joined_at: '2026-05-20 09:00:00' },
    ],
  };
  const stages = async (asOfDate: string) =>
    (
      await runModel('intermediate.int_member_stages_dated', given, {
        parameters: { as_of_date: asOfDate, shop_cycle_days: '30' },
        orderBy: 'member_id, changed_on',
      })
    ).map((row) => [row.member_id, row.changed_on, row.valid_to, row.stage, row.previous_stage]);

  it('holds the stages up to the last month end, so that a day inside the month leaves them as they were', async () => {
    // C = 30: A, new on 10 April, is silent from 11 May (recency 31); its purchase of 10 June and
    // the members first seen in June come after 31 May. Q, known on 20 May, is still a prospect then.
    const may = [
      ['A', '2026-04-10', '2026-05-11', 'new', null],
      ['A', '2026-05-11', null, 'silent', 'new'],
      ['P', '2026-03-01', null, 'prospect', null],
      ['Q', '2026-05-20', null, 'prospect', null],
    ];
    expect(await stages('2026-06-15')).toEqual(may);
    expect(await stages('2026-06-20')).toEqual(may);
    expect(await stages('2026-06-30')).toEqual([
      ['A', '2026-04-10', '2026-05-11', 'new', null],
      ['A', '2026-05-11', '2026-06-10', 'silent', 'new'],
      ['A', '2026-06-10', null, 'returning', 'silent'],
      ['B', '2026-06-05', '2026-06-12', 'prospect', null],
      ['B', '2026-06-12', null, 'new', 'prospect'],
      ['P', '2026-03-01', null, 'prospect', null],
      ['Q', '2026-05-20', '2026-06-02', 'prospect', null],
      ['Q', '2026-06-02', null, 'new', 'prospect'],
    ]);
  });
});

describe('marts.distribution_bands', () => {
  it('puts each buyer in one band per dimension, lower bounds inclusive', async () => {
    const orders = [
      order('P1', '2026-05-01', 49.99), // recency 60, value 49.99, 1 occasion
      order('P2', '2026-04-30', 50), // recency 61, value 50
      ...days('2026-06-28', 3).map((day) => order('P3', day, 200)), // recency 0, value 200, 3 occasions
      ...days('2026-06-20', 11).map((day) => order('P4', day, 100)), // 11 occasions
      ...days('2026-01-01', 10).map((day) => order('P5', day, 150)), // recency 171, 10 occasions
      order('P6', '2026-06-01', 80, 'created'), // no purchase: not a buyer
    ];
    const rows = await runModel(
      'marts.distribution_bands',
      { 'staging.stg_orders': orders, 'staging.stg_members': [] },
      { parameters: { as_of_date: '2026-06-30' }, orderBy: 'dimension, band_order' },
    );
    // Order value is cut at the quintiles (seeds/bands.csv gives it no bounds): values 49.99, 50,
    // 100, 150, 200; cut i is the value at position i, rounded to two significant figures: 50, 50,
    // 100, 150.
    expect(rows.map((row) => [row.dimension, row.band, row.members, row.share])).toEqual([
      ['order_value', '<¥50', 1, 0.2],
      ['order_value', '¥50–100', 1, 0.2],
      ['order_value', '¥100–150', 1, 0.2],
      ['order_value', '≥¥150', 2, 0.4],
      ['purchase_count', '≤2', 2, 0.4],
      ['purchase_count', '3–5', 1, 0.2],
      ['purchase_count', '6–10', 1, 0.2],
      ['purchase_count', '>10', 1, 0.2],
      ['recency_days', '≤60', 3, 0.6],
      ['recency_days', '61–120', 1, 0.2],
      ['recency_days', '121–180', 1, 0.2],
      ['recency_days', '>180', 0, 0],
    ]);
  });
});

describe('marts.distribution_bands by quantiles', () => {
  // Ten buyers, one order each: the average order values, ascending.
  const values = [12, 23.4, 31, 87.3, 90, 143.6, 150, 212, 260, 1234];
  const bands = (parameters: Record<string, string> = {}) =>
    runModel(
      'marts.distribution_bands',
      { 'staging.stg_orders': values.map((value, index) => order(`Q${index}`, '2026-06-01', value)), 'staging.stg_members': [] },
      { parameters: { as_of_date: '2026-06-30', ...parameters }, orderBy: 'dimension, band_order' },
    ).then((rows) =>
      rows.filter((row) => row.dimension === 'order_value').map((row) => [row.band, row.lower_bound, row.upper_bound, row.members]),
    );

  it("cuts the order value at the shop's quintiles, rounded to two significant figures, and labels the bands by them", async () => {
    // Cut i at position ceil(i·10/5) = 2, 4, 6, 8: 23.4, 87.3, 143.6, 212 → 23, 87, 140, 210.
    expect(await bands()).toEqual([
      ['<¥23', null, 23, 1],
      ['¥23–87', 23, 87, 2],
      ['¥87–140', 87, 140, 2],
      ['¥140–210', 140, 210, 2],
      ['≥¥210', 210, null, 3],
    ]);
  });

  it('takes the number of bands from distribution_quantile_bands', async () => {
    // Quartiles: positions ceil(i·10/4) = 3, 5, 8: 31, 90, 212 → 31, 90, 210.
    expect(await bands({ distribution_quantile_bands: '4' })).toEqual([
      ['<¥31', null, 31, 2],
      ['¥31–90', 31, 90, 2],
      ['¥90–210', 90, 210, 3],
      ['≥¥210', 210, null, 3],
    ]);
  });
});

describe('marts.lifecycle_transitions', () => {
  it('counts members by their stage at one month end and the next, with the share of the from-stage', async () => {
    // X: new (Jan), silent (Feb), sleeping (Mar), returning (Apr); Y: a prospect from February.
    const rows = await runModel(
      'marts.lifecycle_transitions',
      {
        'staging.stg_orders': [
          order('X', '2026-01-20', 100),
          order('X', '2026-04-10', 100),
          order('W', '2026-01-25', 50),
          order('W', '2026-02-20', 50),
        ],
        'staging.stg_members': [
          { member_id: 'X', joined_at: '2026-01-15 09:00:00' },
          { member_id: 'Y', joined_at: '2026-02-10 09:00:00' },
        ],
      },
      { parameters: { as_of_date: '2026-04-30', shop_cycle_days: '30' }, orderBy: 'month_end, from_stage_order, to_stage_order' },
    );
    // W: new at Jan 31 (recency 6), returning at Feb 28 (8), silent at Mar 31 (39 > 30), sleeping at Apr 30 (69 > 60).
    expect(rows.map((row) => [row.month_end, row.from_stage, row.to_stage, row.members, row.share_of_from])).toEqual([
      ['2026-02-28', 'new', 'returning', 1, 0.5],
      ['2026-02-28', 'new', 'silent', 1, 0.5],
      ['2026-03-31', 'prospect', 'prospect', 1, 1],
      ['2026-03-31', 'returning', 'silent', 1, 1],
      ['2026-03-31', 'silent', 'sleeping', 1, 1],
      ['2026-04-30', 'prospect', 'prospect', 1, 1],
      ['2026-04-30', 'silent', 'sleeping', 1, 1],
      ['2026-04-30', 'sleeping', 'returning', 1, 1],
    ]);
  });

  it('reads each member at the month ends only: stages that begin and end within a month are passed over', async () => {
    // Z: new on 01-05, returning on 02-03 and active on 02-10, so February's end sees new -> active.
    const rows = await runModel(
      'marts.lifecycle_transitions',
      { 'staging.stg_orders': [order('Z', '2026-01-05', 100), order('Z', '2026-02-03', 100), order('Z', '2026-02-10', 100)] },
      { parameters: { as_of_date: '2026-04-30', shop_cycle_days: '30' }, orderBy: 'month_end, from_stage_order, to_stage_order' },
    );
    // Recency at the month ends: 26 (new), 18 (active), 49 > 30 (silent), 79 > 60 (sleeping).
    expect(rows.map((row) => [row.month_end, row.from_stage, row.to_stage, row.members, row.share_of_from])).toEqual([
      ['2026-02-28', 'new', 'active', 1, 1],
      ['2026-03-31', 'active', 'silent', 1, 1],
      ['2026-04-30', 'silent', 'sleeping', 1, 1],
    ]);
  });
});

describe('member levels over time', () => {
  // L's completed purchases: ¥600 on 01-10 and ¥500 on 02-10; senior needs ¥1,000.
  const given = {
    'staging.stg_orders': [order('L', '2026-01-10', 600), order('L', '2026-02-10', 500)],
    'staging.stg_members': [{ member_id: 'L', joined_at: '2026-01-05 09:00:00' }],
  };
  const levels = async (parameters: Record<string, string>) =>
    (
      await runModel('marts.member_levels_monthly', given, {
        parameters: { as_of_date: '2026-04-30', ...parameters },
        orderBy: 'month_end, level_rank',
      })
    )
      .filter((row) => row.members !== 0 || row.upgraded !== 0 || row.downgraded !== 0)
      .map((row) => [row.month_end, row.member_level, row.members, row.upgraded, row.downgraded]);

  it('are cumulative by default: a level once reached is kept', async () => {
    expect(await levels({})).toEqual([
      ['2026-01-31', 'regular', 1, 0, 0],
      ['2026-02-28', 'senior', 1, 1, 0],
      ['2026-03-31', 'senior', 1, 0, 0],
      ['2026-04-30', 'senior', 1, 0, 0],
    ]);
  });

  it('must be re-met within level_window_days (保级): a member falls back when the window no longer holds enough', async () => {
    // 60 days to 03-31 start on 01-31 (the 01-10 purchase is out); to 02-28 they start on 12-30.
    expect(await levels({ level_window_days: '60' })).toEqual([
      ['2026-01-31', 'regular', 1, 0, 0],
      ['2026-02-28', 'senior', 1, 1, 0],
      ['2026-03-31', 'regular', 1, 0, 1],
      ['2026-04-30', 'regular', 1, 0, 0],
    ]);
    const [member] = await runModel('marts.member_facts', given, { parameters: { as_of_date: '2026-04-30', level_window_days: '60' } });
    expect([member!.member_level, member!.completed_orders, member!.completed_revenue]).toEqual(['regular', 0, 0]);
  });

  it('say whether the rule can downgrade anyone: not when cumulative, so the page can say why no downgrade is drawn', async () => {
    const possible = async (parameters: Record<string, string>) => [
      ...new Set(
        (await runModel('marts.member_levels_monthly', given, { parameters: { as_of_date: '2026-04-30', ...parameters } })).map(
          (row) => row.downgrades_possible,
        ),
      ),
    ];
    expect(await possible({})).toEqual([false]);
    expect(await possible({ level_window_days: '60' })).toEqual([true]);
  });

  it('count a member by its level at each month end: a level held for some days within a month moves nobody', async () => {
    // With 60 days: ¥600 (01-10) + ¥500 (03-05) make L senior on 03-05; on 03-11 the 01-10
    // purchase leaves the window and L is regular again before March ends.
    const rows = await runModel(
      'marts.member_levels_monthly',
      { ...given, 'staging.stg_orders': [order('L', '2026-01-10', 600), order('L', '2026-03-05', 500)] },
      { parameters: { as_of_date: '2026-04-30', level_window_days: '60' }, orderBy: 'month_end, level_rank' },
    );
    expect(
      rows.filter((row) => row.members !== 0).map((row) => [row.month_end, row.member_level, row.members, row.upgraded, row.downgraded]),
    ).toEqual([
      ['2026-01-31', 'regular', 1, 0, 0],
      ['2026-02-28', 'regular', 1, 0, 0],
      ['2026-03-31', 'regular', 1, 0, 0],
      ['2026-04-30', 'regular', 1, 0, 0],
    ]);
    expect(rows.filter((row) => row.upgraded !== 0 || row.downgraded !== 0)).toEqual([]);
  });
});
