import cephes from 'cephes';
import { describe, expect, it } from 'vitest';
import { digamma, hyp2f1, lnGamma } from '../../pipelines/forecast/special-functions.js';
import { published } from '../helpers/cdnow-summary.js';

await cephes.compiled;

const close = (value: number, expected: number, relative: number, absolute = 0) =>
  expect(Math.abs(value - expected)).toBeLessThanOrEqual(absolute + relative * Math.abs(expected));

// cephes (a WebAssembly build of Moshier's Cephes library, a dev dependency) is the reference.
describe('special functions', () => {
  it('lnGamma: exact values and agreement with cephes', () => {
    close(lnGamma(1), 0, 0, 1e-15);
    close(lnGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-14);
    close(lnGamma(11), Math.log(3_628_800), 1e-14);
    for (const z of [1e-6, 0.01, 0.243, 0.5, 0.793, 1.5, 2.426, 7.7, 25.3, 100.5, 1234.5, 1e6])
      close(lnGamma(z), cephes.lgam(z), 1e-13, 1e-13);
    expect(() => lnGamma(0)).toThrow(RangeError);
  });

  it('digamma agrees with cephes', () => {
    for (const z of [1e-3, 0.243, 0.5, 1, 2.426, 3.219, 6, 10.5, 57.2, 1e4]) close(digamma(z), cephes.psi(z), 1e-12, 1e-12);
  });

  it('hyp2f1 agrees with cephes over the BG/NBD arguments, and refuses rather than return an unconverged value', () => {
    close(hyp2f1(0.5, 0.5, 1.5, 0.25), Math.asin(0.5) / 0.5, 1e-14); // 2F1(1/2, 1/2; 3/2; z²) = asin(z)/z
    const { r, alpha, a, b } = published.bgnbd;
    for (const x of [0, 1, 2, 5, 10, 26, 50]) {
      for (const T of [27, 31, 38.857, 104]) {
        for (const t of [1, 13, 39, 52.14, 104]) {
          const z = t / (alpha + T + t);
          close(hyp2f1(r + x, b + x, a + b + x - 1, z), cephes.hyp2f1(r + x, b + x, a + b + x - 1, z), 1e-11);
          close(hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z), cephes.hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, z), 1e-11);
        }
      }
    }
    expect(() => hyp2f1(1, 1, 2, 1)).toThrow(RangeError);
    expect(() => hyp2f1(50, 50, 1.2, 0.999, 100)).toThrow(/no convergence in 100 terms/);
  });
});
