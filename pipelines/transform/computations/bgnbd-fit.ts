import { z } from 'zod';
import { type BgnbdParams, bgnbdVariants, fitBgnbd, makeBgnbdLogLikelihood, type Triple } from '../../forecast/bgnbd.js';
import { defineComputation } from './computation.js';
import { fitColumns, fitOrKeep, lastGoodRow } from './fit-or-keep.js';

const labels = { bgnbd: 'BG/NBD', mbgnbd: 'MBG/NBD' } as const;

/**
 * BG/NBD and MBG/NBD, each by maximum likelihood over the same distinct (x, t_x, T) rows with
 * their member counts; one row per model.
 */
export const bgnbdFit = defineComputation({
  description: 'BG/NBD (Fader, Hardie and Lee 2005) and MBG/NBD (Batislam et al. 2007) fitted by maximum likelihood; one row each',
  input: ['x', 't_x', 't_cal', 'members'],
  output: { model: 'varchar', r: 'double', alpha: 'double', a: 'double', b: 'double', period_days: 'double', ...fitColumns },
  parameters: z.object({
    forecast_min_members: z.number().int().positive(),
    forecast_max_iterations: z.number().int().positive(),
    forecast_period_days: z.number().positive(),
  }),
  readsPrevious: true,
  compute: ({ rows, parameters, previous }) => {
    // Sorted, so that sums (and so the fit) do not depend on the order the rows came in.
    const triples: Triple[] = rows
      .map((row) => ({ x: Number(row.x), tx: Number(row.t_x), T: Number(row.t_cal), n: Number(row.members) }))
      .sort((first, second) => first.x - second.x || first.T - second.T || first.tx - second.tx);
    const members = triples.reduce((sum, triple) => sum + triple.n, 0);
    const periodDays = parameters.forecast_period_days;
    const fits = bgnbdVariants.map((variant) => {
      // Parameters of another model or time unit (alpha scales with it) are not the last good ones.
      const previousRow = lastGoodRow(previous, (row) => row.model === variant && row.r !== null && row.period_days === periodDays);
      const outcome = fitOrKeep<BgnbdParams>({
        label: labels[variant],
        members,
        memberNoun: 'members',
        minMembers: parameters.forecast_min_members,
        unfit: triples.some((triple) => triple.x > 0) ? null : 'no member has a repeat occasion',
        fit: () => fitBgnbd(variant, triples, parameters.forecast_max_iterations),
        logLikelihood: (params) => makeBgnbdLogLikelihood(variant, triples)(params).value,
        lastGood: previousRow && {
          r: Number(previousRow.r),
          alpha: Number(previousRow.alpha),
          a: Number(previousRow.a),
          b: Number(previousRow.b),
        },
      });
      const { params, message, ...fit } = outcome;
      const row = {
        model: variant,
        r: params?.r ?? null,
        alpha: params?.alpha ?? null,
        a: params?.a ?? null,
        b: params?.b ?? null,
        period_days: periodDays,
        ...fit,
        members,
        distinct_rows: triples.length,
      };
      return { row, message };
    });
    return { rows: fits.map((fit) => fit.row), note: fits.map((fit) => fit.message).join('; ') };
  },
});
