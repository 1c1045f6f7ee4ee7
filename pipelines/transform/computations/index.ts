import { bgnbdExpectedOccasions } from './bgnbd-expected-occasions.js';
import { bgnbdFit } from './bgnbd-fit.js';
import type { Computation } from './computation.js';
import { gammaGammaFit } from './gamma-gamma-fit.js';

/** Every computation a model can name in `-- compute: <name>`. */
export const computations: Readonly<Record<string, Computation>> = {
  bgnbd_fit: bgnbdFit,
  gamma_gamma_fit: gammaGammaFit,
  bgnbd_expected_occasions: bgnbdExpectedOccasions,
};
