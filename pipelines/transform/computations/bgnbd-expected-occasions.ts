import { z } from 'zod';
import { bgnbdExpectedIfAlive, bgnbdVariants } from '../../forecast/bgnbd.js';
import { defineComputation } from './computation.js';

/**
 * Expected repeat occasions within each horizon of a member still alive, per model and distinct
 * (x, T); it does not depend on t_x, so P(alive) is left to SQL.
 */
export const bgnbdExpectedOccasions = defineComputation({
  description: 'BG/NBD or MBG/NBD expected occasions within a horizon, if alive, per (model, x, t_cal, horizon)',
  input: ['model', 'x', 't_cal', 'horizon_days', 'horizon', 'r', 'alpha', 'a', 'b'],
  output: { model: 'varchar', x: 'integer', t_cal: 'double', horizon_days: 'integer', expected_occasions_if_alive: 'double' },
  parameters: z.object({}),
  compute: ({ rows }) => ({
    rows: rows.map((row) => {
      const variant = z.enum(bgnbdVariants).parse(row.model);
      return {
        model: variant,
        x: row.x!,
        t_cal: row.t_cal!,
        horizon_days: row.horizon_days!,
        expected_occasions_if_alive: bgnbdExpectedIfAlive(
          variant,
          { r: Number(row.r), alpha: Number(row.alpha), a: Number(row.a), b: Number(row.b) },
          Number(row.horizon),
          Number(row.x),
          Number(row.t_cal),
        ),
      };
    }),
    note: null,
  }),
});
