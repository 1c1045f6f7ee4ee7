import { z } from 'zod';
import { fitGammaGamma, type GammaGammaParams, makeGammaGammaLogLikelihood, type SpendPattern } from '../../forecast/gamma-gamma.js';
import { defineComputation } from './computation.js';
import { fitColumns, fitOrKeep, lastGoodRow } from './fit-or-keep.js';

/** Gamma-Gamma by maximum likelihood over distinct (x, mean value) rows with their member counts. */
export const gammaGammaFit = defineComputation({
  description: 'Gamma-Gamma (Fader, Hardie and Lee 2005) fitted by maximum likelihood; one row',
  input: ['x', 'mean_value', 'members'],
  output: { model: 'varchar', p: 'double', q: 'double', gamma: 'double', ...fitColumns },
  parameters: z.object({
    forecast_min_members: z.number().int().positive(),
    forecast_max_iterations: z.number().int().positive(),
  }),
  readsPrevious: true,
  compute: ({ rows, parameters, previous }) => {
    // Only x > 0 and a positive mean have a density; sorted so that the fit does not depend on row order.
    const patterns: SpendPattern[] = rows
      .map((row) => ({ x: Number(row.x), m: Number(row.mean_value), n: Number(row.members) }))
      .filter((pattern) => pattern.x > 0 && pattern.m > 0)
      .sort((first, second) => first.x - second.x || first.m - second.m);
    const members = patterns.reduce((sum, pattern) => sum + pattern.n, 0);
    const previousRow = lastGoodRow(previous, (row) => row.p !== null);
    const outcome = fitOrKeep<GammaGammaParams>({
      label: 'Gamma-Gamma',
      members,
      memberNoun: 'repeat buyers with a positive mean repeat value',
      minMembers: parameters.forecast_min_members,
      unfit: null,
      fit: () => fitGammaGamma(patterns, parameters.forecast_max_iterations),
      logLikelihood: (params) => makeGammaGammaLogLikelihood(patterns)(params).value,
      lastGood: previousRow && { p: Number(previousRow.p), q: Number(previousRow.q), gamma: Number(previousRow.gamma) },
    });
    const { params, message, ...fit } = outcome;
    return {
      rows: [
        {
          model: 'gamma_gamma',
          p: params?.p ?? null,
          q: params?.q ?? null,
          gamma: params?.gamma ?? null,
          ...fit,
          members,
          distinct_rows: patterns.length,
        },
      ],
      note: message,
    };
  },
});
