import { describe, expect, it } from 'vitest';
import { runModel } from '../helpers/run-model.js';

const unit = '每投入1元带来的销售额 ¥ revenue per ¥1 spent';

// Three campaigns as campaign_roi reports them (two SMS in May, one push in June without a control group).
const roi = (row: Record<string, unknown>) => ({
  name: 'c',
  treatment_size: 100,
  delivered_contacts: 100,
  responders_t: 10,
  roi_unit: unit,
  break_even_roi: 2,
  ...row,
});
const campaigns = [
  roi({ campaign_id: 'A', channel: 'sms', sent_at: '2026-05-02 10:00:00', cost: 10, attributed_revenue: 500, incremental_revenue: 100 }),
  roi({
    campaign_id: 'B',
    channel: 'sms',
    sent_at: '2026-05-20 10:00:00',
    cost: 30,
    attributed_revenue: 300,
    incremental_revenue: -20,
    responders_t: 5,
  }),
  roi({
    campaign_id: 'C',
    channel: 'push',
    sent_at: '2026-06-01 10:00:00',
    cost: 5,
    attributed_revenue: 200,
    incremental_revenue: null,
    delivered_contacts: 90,
  }),
];

describe('marts.campaign_rollup', () => {
  it('rolls campaigns up by channel and month, the incremental ROI over the campaigns that have one', async () => {
    const rows = await runModel(
      'marts.campaign_rollup',
      { 'marts.campaign_roi': campaigns },
      { parameters: { gross_margin: '0.5' }, orderBy: 'dimension, rollup_key' },
    );
    expect(
      rows.map((row) => [
        row.dimension,
        row.rollup_key,
        row.campaigns,
        row.contacts,
        row.delivered_contacts,
        row.cost,
        row.responders,
        row.attributed_revenue,
        row.naive_roi,
        row.incremental_revenue,
        row.incremental_roi,
        row.roi_unit,
      ]),
    ).toEqual([
      // Both per ¥1 spent. SMS: cost 40, attributed 800 (ROI 20); incremental 100 - 20 = 80 over the
      // same ¥40 (ROI 2).
      ['channel', 'push', 1, 100, 90, 5, 10, 200, 40, null, null, unit],
      ['channel', 'sms', 2, 200, 200, 40, 15, 800, 20, 80, 2, unit],
      ['month', '2026-05', 2, 200, 200, 40, 15, 800, 20, 80, 2, unit],
      ['month', '2026-06', 1, 100, 90, 5, 10, 200, 40, null, null, unit],
    ]);
  });
});
