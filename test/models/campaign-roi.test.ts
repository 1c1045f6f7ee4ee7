import { describe, expect, it } from 'vitest';
import { type Rows, runModel } from '../helpers/run-model.js';

const purchase = (
  orderId: string,
  memberId: string,
  at: string,
  amount: number,
  couponCode: string | null = null,
  { status = 'completed', refund = 0 } = {},
) => ({
  order_id: orderId,
  member_id: memberId,
  created_at: at,
  paid_at: at,
  purchased_at: at,
  status,
  is_purchase: true,
  paid_amount: amount,
  refund_amount: refund,
  net_amount: amount - refund,
  coupon_code: couponCode,
});

const campaign = (campaignId: string, sentAt: string, extra: Record<string, unknown> = {}) => ({
  campaign_id: campaignId,
  name: campaignId,
  channel: 'sms',
  sent_at: sentAt,
  cost_per_contact: 0.1,
  coupon_value: 0,
  attribution_days: 7,
  ...extra,
});

const contact = (campaignId: string, memberId: string, at: string, arm: 'treatment' | 'control', delivered = arm === 'treatment') => ({
  campaign_id: campaignId,
  member_id: memberId,
  contacted_at: at,
  arm,
  delivered,
});

// Wilson's score interval of one proportion and Newcombe's hybrid score interval of a difference
// (Newcombe 1998, method 10), written out from the papers' formulas with z = 1.96.
const z = 1.96;
const wilson = (successes: number, trials: number): [number, number] => {
  const centre = successes + (z * z) / 2;
  const half = z * Math.sqrt((successes * (trials - successes)) / trials + (z * z) / 4);
  return [(centre - half) / (trials + z * z), (centre + half) / (trials + z * z)];
};
const newcombe = (successesT: number, trialsT: number, successesC: number, trialsC: number): [number, number] => {
  const [pT, pC] = [successesT / trialsT, successesC / trialsC];
  const [[lowT, highT], [lowC, highC]] = [wilson(successesT, trialsT), wilson(successesC, trialsC)];
  return [pT - pC - Math.sqrt((pT - lowT) ** 2 + (highC - pC) ** 2), pT - pC + Math.sqrt((highT - pT) ** 2 + (pC - lowC) ** 2)];
};

const asOf = { as_of_date: '2026-06-30' };

const given = {
  'staging.stg_campaigns': [
    campaign('K1', '2026-06-01 10:00:00', { name: '短信召回', cost_per_contact: 0.05, coupon_value: 10, coupon_code: 'cpn10' }),
    campaign('K2', '2026-06-10 09:00:00', { name: '邮件新品', channel: 'edm', cost_per_contact: 0 }),
  ],
  'staging.stg_campaign_contacts': [
    contact('K1', 'T1', '2026-06-01 10:00:00', 'treatment'),
    contact('K1', 'T2', '2026-06-01 10:00:00', 'treatment'),
    contact('K1', 'T3', '2026-06-01 10:00:00', 'treatment', false),
    contact('K1', 'T4', '2026-06-01 10:00:00', 'treatment'),
    contact('K1', 'C1', '2026-06-01 10:00:00', 'control'),
    contact('K1', 'C2', '2026-06-01 10:00:00', 'control'),
    // K2 has no control group; C1, held out of K1, is treated here.
    contact('K2', 'T1', '2026-06-10 09:00:00', 'treatment'),
    contact('K2', 'C1', '2026-06-10 09:00:00', 'treatment'),
  ],
  'staging.stg_orders': [
    purchase('a', 'T1', '2026-06-08 10:00:00', 100, ' CPN10 '), // exactly at the window's end: counts; K1's coupon, however written
    purchase('b', 'T2', '2026-06-01 10:00:00', 80), // exactly at contact: not after it
    purchase('c', 'T2', '2026-06-08 10:00:01', 80), // one second past the window
    purchase('d', 'T3', '2026-06-03 15:00:00', 50), // not delivered, still treatment (intention to treat)
    purchase('e', 'C1', '2026-06-02 11:00:00', 40),
    purchase('f', 'T1', '2026-06-12 20:00:00', 30), // in K2's window, not K1's
    purchase('g', 'T4', '2026-06-30 12:00:00', 5), // the as-of date's purchase, outside both windows
  ],
};

describe('marts.campaign_roi', () => {
  it('measures response, lift with its interval, revenue, cost and both ROIs', async () => {
    const rows = await runModel('marts.campaign_roi', given, { parameters: asOf, orderBy: 'campaign_id' });
    const k1 = rows[0]!;
    expect([k1.treatment_size, k1.control_size, k1.responders_t, k1.responders_c]).toEqual([4, 2, 2, 1]);
    expect([k1.response_rate_t, k1.response_rate_c, k1.lift]).toEqual([0.5, 0.5, 0]);
    // Wilson 2/4 = 0.5 ± 0.34996, 1/2 = 0.5 ± 0.40547: lift 0 ± √(0.34996² + 0.40547²) = ± 0.53561.
    expect(k1.lift_ci_low).toBeCloseTo(-0.53561, 5);
    expect(k1.lift_ci_high).toBeCloseTo(0.53561, 5);
    expect(k1.lift_ci_low).toBeCloseTo(newcombe(2, 4, 1, 2)[0], 12);
    expect([k1.lift_significant, k1.lift_note]).toEqual([false, '不显著 not significant']);
    // Revenue: treatment responders ¥100 + ¥50; per member 150 / 4 = 37.5 against control 40 / 2 = 20;
    // incremental 150 - 40 x 4 / 2.
    expect([k1.attributed_revenue, k1.control_revenue, k1.revenue_per_member_t, k1.revenue_per_member_c, k1.incremental_revenue]).toEqual([
      150, 40, 37.5, 20, 70,
    ]);
    // Cost: 3 delivered x ¥0.05 + 1 redeemed coupon x ¥10.
    expect([k1.delivered_contacts, k1.redeemed_coupons, k1.cost]).toEqual([3, 1, 10.15]);
    // Both ROIs in ¥ revenue per ¥1 spent: 150 / 10.15 and 70 / 10.15; at gross_margin 0.5 a
    // campaign breaks even at 1 / 0.5 = 2.
    expect(k1.roi_unit).toBe('每投入1元带来的销售额 ¥ revenue per ¥1 spent');
    expect(k1.naive_roi).toBeCloseTo(150 / 10.15, 12);
    expect(k1.incremental_roi).toBeCloseTo(70 / 10.15, 12);
    expect(k1.break_even_roi).toBe(2);
    // Interval: the lift's ±0.53561 in responders (x 4 treated) at (150 + 40) / (2 + 1) = ¥63.33 per
    // responder: 70 ± 135.69 = -65.69 to 205.69; over cost -6.47 to 20.27. Not significant: "—".
    const [low, high] = newcombe(2, 4, 1, 2);
    expect([k1.incremental_revenue_ci_low, k1.incremental_revenue_ci_high]).toEqual([-65.69, 205.69]);
    expect(k1.incremental_revenue_ci_low).toBeCloseTo(70 + low * 4 * (190 / 3), 2);
    expect(k1.incremental_revenue_ci_high).toBeCloseTo(70 + high * 4 * (190 / 3), 2);
    expect(k1.incremental_roi_ci_low).toBeCloseTo(-65.69 / 10.15, 12);
    expect(k1.incremental_roi_ci_high).toBeCloseTo(205.69 / 10.15, 12);
    expect([k1.incremental_roi_if_significant, k1.incremental_roi_text]).toEqual([null, '— (-6.5 to 20.3)']);
    // Revenue lift 37.5 - 20 = ¥17.5 per member against a response lift of 0: no opposite signs.
    expect([k1.revenue_lift, k1.lift_signs_differ, k1.lift_signs_note]).toEqual([17.5, false, null]);
    // MDL at the control's 1/2: (1.959964 + 0.841621) x √(0.5 x 0.5 x (1/4 + 1/2)) = 2.801585 x 0.4330127 = 1.21312.
    expect(k1.mdl_response_rate).toBe(0.5);
    expect(k1.minimum_detectable_lift).toBeCloseTo(1.21312, 5);
    expect(k1.mdl_note).toBe('对照组太小，无法判断 control arm too small to tell');
    expect([k1.window_complete, k1.days_left]).toEqual([true, 0]);
  });

  it('leaves incremental figures NULL without a control group, and ROIs NULL at zero cost', async () => {
    const rows = await runModel('marts.campaign_roi', given, { parameters: asOf, orderBy: 'campaign_id' });
    const k2 = rows[1]!;
    expect([k2.treatment_size, k2.control_size, k2.responders_t, k2.response_rate_t, k2.attributed_revenue]).toEqual([2, 0, 1, 0.5, 30]);
    expect([k2.response_rate_c, k2.lift, k2.lift_ci_low, k2.lift_ci_high, k2.lift_significant, k2.incremental_revenue]).toEqual([
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
    expect([k2.cost, k2.naive_roi, k2.incremental_roi, k2.lift_note]).toEqual([0, null, null, null]);
    expect([k2.incremental_roi_text, k2.revenue_lift, k2.minimum_detectable_lift, k2.mdl_note]).toEqual([null, null, null, null]);
  });

  it('breaks even at 1 / gross margin, leaving both ROIs in revenue per ¥1', async () => {
    const rows = await runModel('marts.campaign_roi', given, {
      parameters: { ...asOf, gross_margin: '0.4' },
      orderBy: 'campaign_id',
    });
    expect([rows[0]!.break_even_roi, rows[0]!.naive_roi, rows[0]!.incremental_roi]).toEqual([2.5, 150 / 10.15, 70 / 10.15]);
  });

  it('shows a significant incremental ROI with its interval, says when response and revenue lift disagree, and when the arms are too small to tell', async () => {
    const at = '2026-06-01 10:00:00';
    // S1: 15 of 20 treated bought ¥10 each (rate 0.75, ¥7.50 a member); 2 of 20 held out bought ¥100
    // each (0.1, ¥10 a member). Z1: 3 of 30 treated bought ¥10; none of 10 held out. Z2: nobody bought.
    const arms: Array<[string, number, number, number, number, number, number]> = [
      ['S1', 20, 15, 10, 20, 2, 100],
      ['Z1', 30, 3, 10, 10, 0, 0],
      ['Z2', 30, 0, 10, 10, 0, 0],
    ];
    const contacts: Rows = [];
    const orders: Rows = [];
    for (const [campaignId, treated, responders, amountT, held, controlResponders, amountC] of arms) {
      for (const [arm, size, responding, amount] of [
        ['treatment', treated, responders, amountT],
        ['control', held, controlResponders, amountC],
      ] as const) {
        for (let n = 0; n < size; n++) {
          const member = `${campaignId}-${arm}-${n}`;
          contacts.push(contact(campaignId, member, at, arm));
          if (n < responding) orders.push(purchase(`o-${member}`, member, '2026-06-02 10:00:00', amount));
        }
      }
    }
    const [s1, z1, z2] = await runModel(
      'marts.campaign_roi',
      {
        'staging.stg_campaigns': arms.map(([campaignId]) => campaign(campaignId, at)),
        'staging.stg_campaign_contacts': contacts,
        'staging.stg_orders': orders,
      },
      { parameters: asOf, orderBy: 'campaign_id' },
    );
    // S1: lift 0.65 (Newcombe 0.37 to 0.80), significant; incremental revenue 150 - 200 x 20/20 = -50,
    // cost 20 x ¥0.10 = ¥2: incremental ROI -25 against naive 75. Per responder (150 + 200) / 17;
    // interval -50 + (bound - 0.65) x 20 x 350/17, over ¥2.
    const [low, high] = newcombe(15, 20, 2, 20);
    expect([s1!.lift_significant, s1!.naive_roi, s1!.incremental_roi, s1!.incremental_roi_if_significant]).toEqual([true, 75, -25, -25]);
    expect(s1!.incremental_revenue_ci_low).toBeCloseTo(-50 + (low - 0.65) * 20 * (350 / 17), 2);
    expect(s1!.incremental_revenue_ci_high).toBeCloseTo(-50 + (high - 0.65) * 20 * (350 / 17), 2);
    const roiBounds = [Number(s1!.incremental_revenue_ci_low) / 2, Number(s1!.incremental_revenue_ci_high) / 2];
    expect([s1!.incremental_roi_ci_low, s1!.incremental_roi_ci_high]).toEqual(roiBounds);
    expect(s1!.incremental_roi_text).toBe(`-25.0 (${roiBounds[0]!.toFixed(1)} to ${roiBounds[1]!.toFixed(1)})`);
    // More responded, but revenue per member fell: 7.50 - 10 = -2.50.
    expect([s1!.revenue_lift, s1!.lift_signs_differ, s1!.lift_signs_note]).toEqual([
      -2.5,
      true,
      '响应率上升而人均销售额下降 more members responded, but revenue per member fell',
    ]);
    // MDL at the control's 0.1: 2.801585 x √(0.1 x 0.9 x (1/20 + 1/20)) = 2.801585 x 0.0948683 = 0.265782;
    // the lift is significant: no note.
    expect(s1!.minimum_detectable_lift).toBeCloseTo(0.265782, 6);
    expect(s1!.mdl_note).toBeNull();
    // Z1: the control's 0/10 has no variance; the pooled 3/40 = 0.075 stands in:
    // 2.801585 x √(0.075 x 0.925 x (1/30 + 1/10)) = 2.801585 x √0.00925 = 0.269448 > the lift 0.1.
    expect([z1!.lift, z1!.lift_significant, z1!.mdl_response_rate]).toEqual([0.1, false, 0.075]);
    expect(z1!.minimum_detectable_lift).toBeCloseTo(0.269448, 6);
    expect(z1!.mdl_note).toBe('对照组太小，无法判断 control arm too small to tell');
    // Z2: no responder in either arm: one responder in 40, 0.025, the smallest rate they could show:
    // 2.801585 x √(0.025 x 0.975 x (1/30 + 1/10)) = 2.801585 x √0.00325 = 0.159715 > the lift 0.
    expect([z2!.lift, z2!.mdl_response_rate]).toEqual([0, 0.025]);
    expect(z2!.minimum_detectable_lift).toBeCloseTo(0.159715, 6);
    expect(z2!.mdl_note).toBe('对照组太小，无法判断 control arm too small to tell');
  });

  it("costs only the campaign's own coupon, once per delivered treatment member that used it in the window", async () => {
    const at = '2026-06-01 10:00:00';
    const rows = await runModel(
      'marts.campaign_roi',
      {
        'staging.stg_campaigns': [
          campaign('P1', at, { coupon_code: 'SUMMER20', coupon_value: 20 }),
          campaign('P2', at, { coupon_code: 'AUTUMN5', coupon_value: 5 }),
          campaign('P3', at, { coupon_value: 10 }), // a coupon value, but no code
        ],
        'staging.stg_campaign_contacts': [
          contact('P1', 'M1', at, 'treatment'),
          contact('P1', 'M2', at, 'treatment'),
          contact('P1', 'M3', at, 'treatment'),
          contact('P1', 'M4', at, 'treatment', false),
          contact('P1', 'M5', at, 'control'),
          contact('P2', 'M6', at, 'treatment'),
          contact('P3', 'M7', at, 'treatment'),
        ],
        'staging.stg_orders': [
          purchase('m1a', 'M1', '2026-06-02 10:00:00', 100, ' summer20 '), // redeems P1's coupon ...
          purchase('m1b', 'M1', '2026-06-03 10:00:00', 100, 'SUMMER20'), // ... once per member
          purchase('m2', 'M2', '2026-06-02 10:00:00', 100, 'AUTUMN5'), // another campaign's coupon
          purchase('m3', 'M3', '2026-06-02 10:00:00', 100, 'TMALL-88VIP'), // the platform's coupon
          purchase('m4', 'M4', '2026-06-02 10:00:00', 100, 'SUMMER20'), // P1's code, but never delivered
          purchase('m5', 'M5', '2026-06-02 10:00:00', 100, 'SUMMER20'), // held out: no coupon was sent
          purchase('m6', 'M6', '2026-06-02 10:00:00', 100, 'autumn5'),
          purchase('m7', 'M7', '2026-06-02 10:00:00', 100, 'ANY10'),
        ],
      },
      { parameters: asOf, orderBy: 'campaign_id' },
    );
    // P1: 3 delivered x ¥0.10 + 1 redeemed x ¥20; P2: ¥0.10 + ¥5; P3: ¥0.10, no coupon cost.
    expect(rows.map((row) => [row.campaign_id, row.coupon_code, row.delivered_contacts, row.redeemed_coupons, row.cost])).toEqual([
      ['P1', 'SUMMER20', 3, 1, 20.3],
      ['P2', 'AUTUMN5', 1, 1, 5.1],
      ['P3', null, 1, 0, 0.1],
    ]);
  });

  it('shows an in-flight campaign with its response so far and the days left, but no lift or ROI until its window is complete', async () => {
    const rows = await runModel(
      'marts.campaign_roi',
      {
        'staging.stg_campaigns': [
          campaign('F0', '2026-06-23 12:00:00', { cost_per_contact: 0.05 }), // window ends 06-30 12:00: on the as-of date
          campaign('F1', '2026-06-27 10:00:00', { cost_per_contact: 0.05 }),
        ],
        'staging.stg_campaign_contacts': [
          contact('F0', 'T3', '2026-06-23 12:00:00', 'treatment'),
          contact('F0', 'C3', '2026-06-23 12:00:00', 'control'),
          contact('F1', 'T1', '2026-06-27 10:00:00', 'treatment'),
          contact('F1', 'T2', '2026-06-28 09:00:00', 'treatment'), // a later contact: its window ends 07-05 09:00
          contact('F1', 'C1', '2026-06-27 10:00:00', 'control'),
          contact('F1', 'C2', '2026-06-27 10:00:00', 'control'),
        ],
        'staging.stg_orders': [
          purchase('t3', 'T3', '2026-06-30 11:00:00', 10),
          purchase('t1', 'T1', '2026-06-28 12:00:00', 60),
          purchase('c1', 'C1', '2026-06-29 12:00:00', 20),
        ],
      },
      { parameters: asOf, orderBy: 'campaign_id' },
    );
    const [f0, f1] = rows;
    expect([f0!.window_complete, f0!.days_left, f0!.lift]).toEqual([true, 0, 1]);
    expect(f0!.naive_roi).toBeCloseTo(10 / 0.05, 9);
    expect([f1!.window_complete, f1!.days_left]).toEqual([false, 5]);
    expect([f1!.responders_t, f1!.response_rate_t, f1!.response_rate_c, f1!.attributed_revenue, f1!.cost]).toEqual([1, 0.5, 0.5, 60, 0.1]);
    expect([
      f1!.lift,
      f1!.lift_ci_low,
      f1!.lift_ci_high,
      f1!.lift_significant,
      f1!.incremental_revenue,
      f1!.naive_roi,
      f1!.incremental_roi,
    ]).toEqual([null, null, null, null, null, null, null]);
  });

  it('counts a purchase in two campaigns’ treatment windows in both, shows it as overlap revenue, and leaves control figures alone', async () => {
    const rows = await runModel(
      'marts.campaign_roi',
      {
        'staging.stg_campaigns': [campaign('O1', '2026-06-01 10:00:00'), campaign('O2', '2026-06-03 10:00:00')],
        'staging.stg_campaign_contacts': [
          ...['A', 'B', 'E'].map((member) => contact('O1', member, '2026-06-01 10:00:00', 'treatment')),
          ...['C', 'D'].map((member) => contact('O1', member, '2026-06-01 10:00:00', 'control')),
          ...['A', 'C'].map((member) => contact('O2', member, '2026-06-03 10:00:00', 'treatment')),
          contact('O2', 'B', '2026-06-03 10:00:00', 'control'),
        ],
        'staging.stg_orders': [
          purchase('y', 'A', '2026-06-02 10:00:00', 30), // O1's window only
          purchase('x', 'A', '2026-06-05 10:00:00', 100), // both windows, treatment in both: overlap
          purchase('z', 'A', '2026-06-09 10:00:00', 50), // O2's window only
          purchase('w', 'B', '2026-06-04 10:00:00', 40), // O1 treatment, O2 control: no overlap
          purchase('v', 'C', '2026-06-05 10:00:00', 20.01), // O1 control, O2 treatment: no overlap
        ],
      },
      { parameters: asOf, orderBy: 'campaign_id' },
    );
    // O1: attributed 30 + 100 + 40 = 170, control 20.01 over 2; per member 170 / 3 = 56.67 and 10.005 → 10.01;
    // incremental 170 - 20.01 x 3 / 2 = 170 - 30.015 → 139.98 (30.02, half a cent away from zero).
    // O2: attributed 100 + 50 + 20.01 = 170.01, control 40 over 1; incremental 170.01 - 40 x 2 / 1 = 90.01.
    expect(
      rows.map((row) => [
        row.campaign_id,
        row.attributed_revenue,
        row.overlap_revenue,
        row.control_revenue,
        row.revenue_per_member_t,
        row.revenue_per_member_c,
        row.incremental_revenue,
      ]),
    ).toEqual([
      ['O1', 170, 100, 20.01, 56.67, 10.01, 139.98],
      ['O2', 170.01, 100, 40, 85.01, 40, 90.01],
    ]);
  });

  it("puts Newcombe's interval around the lift: the published example and the edges where a rate is 0 or 1", async () => {
    const at = '2026-06-01 10:00:00';
    // N1: 56/70 against 48/80, Newcombe (1998) example (a); N2: 0/10 against 0/10; N3: 10/10 against 0/10.
    const arms: Array<[string, number, number, number, number]> = [
      ['N1', 56, 70, 48, 80],
      ['N2', 0, 10, 0, 10],
      ['N3', 10, 10, 0, 10],
    ];
    const contacts: Rows = [];
    const orders: Rows = [];
    for (const [campaignId, responders, treated, controlResponders, held] of arms) {
      for (const [arm, size, responding] of [
        ['treatment', treated, responders],
        ['control', held, controlResponders],
      ] as const) {
        for (let n = 0; n < size; n++) {
          const member = `${campaignId}-${arm}-${n}`;
          contacts.push(contact(campaignId, member, at, arm));
          if (n < responding) orders.push(purchase(`o-${member}`, member, '2026-06-02 10:00:00', 10));
        }
      }
    }
    const rows = await runModel(
      'marts.campaign_roi',
      {
        'staging.stg_campaigns': arms.map(([campaignId]) => campaign(campaignId, at)),
        'staging.stg_campaign_contacts': contacts,
        'staging.stg_orders': orders,
      },
      { parameters: asOf, orderBy: 'campaign_id' },
    );
    const [n1, n2, n3] = rows;
    // Newcombe (1998), Table II, method 10: 0.0524 to 0.3339 (the Wald interval is 0.0575 to 0.3425).
    expect(n1!.lift).toBeCloseTo(0.2, 12);
    expect([n1!.lift_ci_low, n1!.lift_ci_high].map((bound) => Math.round(Number(bound) * 10_000) / 10_000)).toEqual([0.0524, 0.3339]);
    expect([n1!.lift_significant, n1!.lift_note]).toEqual([true, null]);
    // 0/10: Wilson [0, z²/(10 + z²)] = [0, 0.27754]; lift 0 ± 0.27754 (Wald: [0, 0]).
    expect(n2!.lift_ci_low).toBeCloseTo(-(z * z) / (10 + z * z), 12);
    expect(n2!.lift_ci_high).toBeCloseTo((z * z) / (10 + z * z), 12);
    expect(n2!.lift_ci_high).toBeCloseTo(0.27754, 5);
    expect([n2!.lift_significant, n2!.lift_note]).toEqual([false, '不显著 not significant']);
    // 10/10: Wilson [10/(10 + z²), 1] = [0.72246, 1]; lift 1 - √(0.27754² + 0.27754²) = 0.60750 to 1 (Wald: [1, 1]).
    expect(n3!.lift_ci_low).toBeCloseTo(1 - Math.SQRT2 * ((z * z) / (10 + z * z)), 12);
    expect(n3!.lift_ci_low).toBeCloseTo(0.6075, 4);
    expect(n3!.lift_ci_high).toBeCloseTo(1, 12);
    expect(n3!.lift_ci_high).toBeLessThanOrEqual(1);
    expect(n3!.lift_significant).toBe(true);
  });
});

describe('staging.stg_campaigns', () => {
  it("trims the campaign's coupon code and reads an empty one as none", async () => {
    const raw = (campaignId: string, couponCode: string | null) => ({
      ...campaign(campaignId, '2026-06-01 10:00:00'),
      coupon_code: couponCode,
      _file_id: 1,
      _line: 1,
    });
    const rows = await runModel(
      'staging.stg_campaigns',
      { 'raw.campaigns': [raw('A', '  SPRING10 '), raw('B', ''), raw('C', '   '), raw('D', null)] },
      { orderBy: 'campaign_id' },
    );
    expect(rows.map((row) => row.coupon_code)).toEqual(['SPRING10', null, null, null]);
  });
});

describe('marts.campaign_roi_by_segment', () => {
  it('compares the arms within the lifecycle stage, RFM segment and member level members had at sending time', async () => {
    const rows = await runModel('marts.campaign_roi_by_segment', given, {
      parameters: { ...asOf, min_rate_members: '1' },
      orderBy: 'campaign_id, dimension, segment',
    });
    // K1 (06-01 10:00): nobody had bought before it (T2's order at exactly 10:00 is not before), so all
    // are prospects, not scored and regular members. K2 (06-10 09:00): shop cycle = median of T1's 4 and
    // T2's 7 days = 5.5; T1 bought 2 days before (new), C1 8 days before (silent). RFM means at sending:
    // R 4.75 days, F 1.25, M ¥87.5, so T1 (2, 1, ¥100) is important_to_develop and C1 (8, 1, ¥40)
    // lost_low_value. Neither has a level above regular.
    expect(
      rows.map((row) => [
        row.campaign_id,
        row.dimension,
        row.segment,
        row.segment_zh,
        row.treatment_size,
        row.control_size,
        row.responders_t,
        row.responders_c,
      ]),
    ).toEqual([
      ['K1', 'lifecycle_stage', 'prospect', '潜客', 4, 2, 2, 1],
      ['K1', 'member_level', 'regular', '普通会员', 4, 2, 2, 1],
      ['K1', 'rfm_segment', 'not_scored', '未评分', 4, 2, 2, 1],
      ['K2', 'lifecycle_stage', 'new', '新客', 1, 0, 1, 0],
      ['K2', 'lifecycle_stage', 'silent', '沉默', 1, 0, 0, 0],
      ['K2', 'member_level', 'regular', '普通会员', 2, 0, 1, 0],
      ['K2', 'rfm_segment', 'important_to_develop', '重要发展客户', 1, 0, 1, 0],
      ['K2', 'rfm_segment', 'lost_low_value', '一般挽留客户', 1, 0, 0, 0],
    ]);
    expect(rows[0]).toMatchObject({ lift: 0, response_rate_t: 0.5, incremental_revenue: 70 });
  });

  it('shows no rate for an arm of fewer than min_rate_members members, nor a lift against it, and labels each group', async () => {
    const rows = await runModel('marts.campaign_roi_by_segment', given, {
      parameters: { ...asOf, min_rate_members: '3' },
      orderBy: 'campaign_id, dimension, segment',
    });
    // K1's prospects: 2 of 4 treated responded (4 ≥ 3: 50%), 1 of 2 in control (2 < 3: no rate), so no lift.
    expect(rows[0]).toMatchObject({
      segment_label: '潜客 prospect',
      response_rate_t: 0.5,
      response_rate_c: null,
      lift: null,
      lift_ci_low: null,
      lift_ci_high: null,
      lift_significant: null,
      incremental_revenue: 70,
    });
    expect(rows.find((row) => row.segment === 'not_scored')).toMatchObject({ segment_label: '未评分 not scored' });
  });

  it('profiles members from purchases strictly before the contact: a response later on the contact day changes nothing', async () => {
    const sent = '2026-06-10 12:00:00';
    const response = purchase('p3', 'P', '2026-06-10 15:00:00', 900); // P's response, on the contact day
    const profile = {
      'staging.stg_campaigns': [campaign('R1', sent)],
      'staging.stg_campaign_contacts': ['P', 'Q', 'R', 'S'].map((member) => contact('R1', member, sent, 'treatment')),
      'staging.stg_orders': [
        purchase('p1', 'P', '2026-05-01 10:00:00', 20),
        purchase('p2', 'P', '2026-06-10 09:00:00', 30), // the same day as the response, before the contact
        ...['04-01', '04-11', '04-21', '05-01'].map((day, n) => purchase(`q${n}`, 'Q', `2026-${day} 10:00:00`, 10)),
        purchase('q4', 'Q', '2026-05-11 10:00:00', 10, null, { refund: 10 }), // completed, net 0: no level
        purchase('q5', 'Q', '2026-05-21 10:00:00', 10, null, { status: 'shipped' }), // not completed: no level
        ...['04-02', '04-12', '04-22', '05-02', '05-12'].map((day, n) => purchase(`r${n}`, 'R', `2026-${day} 10:00:00`, 10)),
        purchase('s1', 'S', '2026-05-01 10:00:00', 960),
        purchase('s2', 'S', '2026-06-10 15:00:00', 100), // would lift S to ¥1,060, senior, if it counted
      ],
    };
    const options = { parameters: { ...asOf, shop_cycle_days: '10' }, orderBy: 'dimension, segment' };
    const rows = await runModel(
      'marts.campaign_roi_by_segment',
      { ...profile, 'staging.stg_orders': [...profile['staging.stg_orders'], response] },
      options,
    );
    // At 06-10 12:00 (C = 10 days): P has 2 occasions, last today (returning); Q 6, last 20 days ago
    // (silent: > C, not > 2C); R 5, 29 days ago, and S 1, 40 days ago (sleeping: > 2C, not > 4C).
    // RFM (R, F, M): P (0, 2, ¥50), Q (20, 6, ¥50), R (29, 5, ¥50), S (40, 1, ¥960); means 22.25, 3.5,
    // ¥277.5. With P's response in its day's occasion, P's M would be ¥950 and P important_to_develop.
    // Levels: R has 5 completed purchases (senior); Q 4 with net > 0; P ¥50 and S ¥960: regular.
    expect(rows.map((row) => [row.dimension, row.segment, row.treatment_size, row.responders_t])).toEqual([
      ['lifecycle_stage', 'returning', 1, 1],
      ['lifecycle_stage', 'silent', 1, 0],
      ['lifecycle_stage', 'sleeping', 2, 1],
      ['member_level', 'regular', 3, 2],
      ['member_level', 'senior', 1, 0],
      ['rfm_segment', 'important_to_win_back', 1, 1],
      ['rfm_segment', 'loyal_low_spend', 1, 0],
      ['rfm_segment', 'needs_attention', 1, 0],
      ['rfm_segment', 'new_or_promising', 1, 1],
    ]);
    expect(rows.find((row) => row.segment === 'senior')!.segment_zh).toBe('高级会员');
    // The same members without P's response: the same profile, P no longer responding.
    const withoutResponse = await runModel('marts.campaign_roi_by_segment', profile, options);
    expect(withoutResponse.map((row) => [row.dimension, row.segment, row.treatment_size])).toEqual(
      rows.map((row) => [row.dimension, row.segment, row.treatment_size]),
    );
  });
});
