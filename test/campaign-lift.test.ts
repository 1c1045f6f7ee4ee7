import { join } from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { generateShop } from '../pipelines/generate/generate-shop.js';
import { refresh } from '../pipelines/refresh/refresh.js';
import { openWarehouse } from '../pipelines/warehouse/open-warehouse.js';
import { tempConfig } from './helpers/temp-warehouse.js';

describe('campaign lift on generated shops', () => {
  it('covers the planted uplift with its 95% interval in about 95% of campaigns, over several seeds', async () => {
    const outcomes: Array<{ seed: number; campaign: string; covered: boolean; detail: string }> = [];
    for (const seed of [21, 22, 23, 24]) {
      const config = tempConfig();
      const shopDir = join(config.dataDir, 'shop');
      const truth = await generateShop({ members: 60_000, days: 730, endDate: '2026-11-20', seed, outDir: shopDir });
      const warehouse = await openWarehouse(config);
      try {
        await refresh(warehouse, { inputs: [shopDir] });
        const { rows } = await sql<{
          campaign_id: string;
          treatment_size: number;
          control_size: number;
          lift: number | null;
          lift_ci_low: number | null;
          lift_ci_high: number | null;
        }>`
          select campaign_id, treatment_size, control_size, lift, lift_ci_low, lift_ci_high from marts.campaign_roi order by campaign_id`.execute(
          warehouse.db,
        );
        for (const planted of truth.campaigns) {
          const measured = rows.find((row) => row.campaign_id === planted.campaign_id)!;
          expect(measured.treatment_size + measured.control_size).toBe(planted.targeted);
          if (planted.control_fraction === 0) {
            expect([measured.lift, measured.lift_ci_low, measured.lift_ci_high]).toEqual([null, null, null]);
            continue;
          }
          outcomes.push({
            seed,
            campaign: planted.campaign_id,
            covered: measured.lift_ci_low! <= planted.true_uplift && planted.true_uplift <= measured.lift_ci_high!,
            detail: `[${measured.lift_ci_low!.toFixed(4)}, ${measured.lift_ci_high!.toFixed(4)}] vs ${planted.true_uplift.toFixed(4)}`,
          });
        }
      } finally {
        await warehouse.close();
      }
    }
    expect(outcomes).toHaveLength(24); // 6 campaigns with a control group x 4 seeds
    // At 95% coverage, 21 or more of 24 intervals cover with probability 0.97 (binomial).
    const missed = outcomes.filter((outcome) => !outcome.covered);
    expect(missed.length, JSON.stringify(missed)).toBeLessThanOrEqual(3);
  }, 300_000);
});
