import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoDir } from './temp-project.js';

/** One CDNOW sample customer as BTYD's walkthrough summarises it: day-grain occasions, time in days. */
export interface CdnowCustomer {
  /** The sample id, 1..2357 (lifetimes' and Hardie's customer number). */
  id: number;
  masterId: string;
  x: number;
  txDays: number;
  TDays: number;
  holdoutOccasions: number;
  /** Mean value of the repeat calibration occasions (0 when x = 0). */
  meanRepeatValue: number;
}

const dayNumber = (yyyymmdd: string) =>
  Date.UTC(Number(yyyymmdd.slice(0, 4)), Number(yyyymmdd.slice(4, 6)) - 1, Number(yyyymmdd.slice(6, 8))) / 86_400_000;

/**
 * The CDNOW sample read straight from the file, without the warehouse: same-day purchases merged,
 * calibration up to 1997-09-30 (T = that day − the first occasion), holdout up to 1998-06-30.
 */
export function cdnowCustomers(): CdnowCustomer[] {
  const calibrationEnd = dayNumber('19970930');
  const holdoutEnd = dayNumber('19980630');
  const days = new Map<number, { masterId: string; values: Map<number, number> }>();
  for (const line of readFileSync(join(repoDir, 'test/fixtures/cdnow/CDNOW_sample.txt'), 'utf8').split('\n')) {
    const [masterId, sampleId, date, , dollars] = line.trim().split(/\s+/);
    if (!dollars) continue;
    const customer = days.get(Number(sampleId)) ?? { masterId: masterId!, values: new Map<number, number>() };
    days.set(Number(sampleId), customer);
    const day = dayNumber(date!);
    customer.values.set(day, (customer.values.get(day) ?? 0) + Number(dollars));
  }
  return [...days.entries()]
    .sort(([first], [second]) => first - second)
    .map(([id, { masterId, values }]) => {
      const occasions = [...values.entries()].sort(([first], [second]) => first - second);
      const calibration = occasions.filter(([day]) => day <= calibrationEnd);
      const first = calibration[0]![0];
      const repeats = calibration.slice(1);
      return {
        id,
        masterId,
        x: repeats.length,
        txDays: calibration.at(-1)![0] - first,
        TDays: calibrationEnd - first,
        holdoutOccasions: occasions.filter(([day]) => day > calibrationEnd && day <= holdoutEnd).length,
        meanRepeatValue: repeats.length > 0 ? repeats.reduce((sum, [, value]) => sum + value, 0) / repeats.length : 0,
      };
    });
}

/** Published and reference figures; their sources are listed in docs/forecasts.md. */
export const published = {
  /** Fader, Hardie and Lee (2005); BTYD and lifetimes tests, CLVTools' correctness test. */
  bgnbd: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
  bgnbdLogLikelihood: -9582.4,
  /** BTYD 2.4.3 walkthrough: bgnbd.EstimateParameters on CDNOW. */
  btydBgnbd: { r: 0.2425982, alpha: 4.4136842, a: 0.7929899, b: 2.4261667 },
  /**
   * MBG/NBD: lifetimes' ModifiedBetaGeoFitter on the same data (its test_params_out_is_close_to_BTYDplus
   * and docs: r 0.5248, α 6.1831, a 0.8914, b 1.6140, log-likelihood −9582.14).
   */
  mbgnbd: { r: 0.5248, alpha: 6.1831, a: 0.8914, b: 1.614 },
  mbgnbdLogLikelihood: -9582.14,
  /** Fader and Hardie (2013), note 025; lifetimes and CLVTools tests. */
  gammaGamma: { p: 6.25, q: 3.74, gamma: 15.44 },
  /** CLVTools test_correctness_gg.R. */
  gammaGammaLogLikelihood: -4055.9177,
  /** BTYD walkthrough, bgnbd.PlotFreqVsConditionalExpectedFrequency(T.star = 39): x = 0..6, 7+. */
  holdoutTable: {
    customers: [1411, 439, 214, 100, 62, 38, 29, 64],
    actualMean: [0.2367116, 0.6970387, 1.392523, 1.56, 2.532258, 2.947368, 3.862069, 6.359375],
    expectedMean: [0.2250893, 0.5231364, 1.044126, 1.520256, 2.163824, 2.653789, 3.503957, 6.157036],
  },
  /** lifetimes' test from Hardie's spreadsheet: E[M] of customers 1..10 under the Gamma-Gamma fit. */
  expectedValueOfCustomers1To10: [24.65, 18.91, 35.17, 35.17, 35.17, 71.46, 18.91, 35.17, 27.28, 35.17],
};
