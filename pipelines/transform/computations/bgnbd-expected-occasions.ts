import { z } from 'zod';
import { bgnbdExpectedIfAlive } from '../../forecast/bgnbd.js';
import { defineComputation } from './computation.js';

/**
 * Expected repeat occasions within each horizon of a member still alive, per distinct (x, T); it
 * does not depend on t_x, so P(alive) is left to SQL.
 */
export const bgnbdExpectedOccasions = defineComputation({
  description: 'BG/NBD expected occasions within a horizon, if alive, per (x, t_cal, horizon)',
  input: ['x', 't_cal', 'horizon_days', 'horizon', 'r', 'alpha', 'a', 'b'],
  output: { x: 'integer', t_cal: 'double', horizon_days: 'integer', expected_occasions_if_alive: 'double' },
  parameters: z.object({}),
  compute: ({ rows }) => ({
    rows: rows.map((row) => ({
      x: row.x!,
      t_cal: row.t_cal!,
      horizon_days: row.horizon_days!,
      expected_occasions_if_alive: bgnbdExpectedIfAlive(
        { r: Number(row.r), alpha: Number(row.alpha), a: Number(row.a), b: Number(row.b) },
        Number(row.horizon),
        Number(row.x),
        Number(row.t_cal),
      ),
    })),
    note: null,
  }),
});
