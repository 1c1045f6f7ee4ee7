import cephes from 'cephes';
import { type BgnbdParams, bgnbdExpectedIfAlive } from '../../pipelines/forecast/bgnbd.js';

await cephes.compiled;

// BG/NBD formulas written out plainly, as references for the fast and the SQL forms.

/** Log-likelihood of one (x, t_x, T) (FHL 2005 eq. 6), lnΓ from cephes. */
export function bgnbdLogLikelihoodOf({ r, alpha, a, b }: BgnbdParams, x: number, tx: number, T: number): number {
  const lg = cephes.lgam;
  const A1 = lg(r + x) - lg(r) + r * Math.log(alpha);
  const A2 = lg(a + b) + lg(b + x) - lg(b) - lg(a + b + x);
  const A3 = -(r + x) * Math.log(alpha + T);
  if (x === 0) return A1 + A2 + A3;
  const A4 = Math.log(a) - Math.log(b + x - 1) - (r + x) * Math.log(alpha + tx);
  return A1 + A2 + Math.log(Math.exp(A3) + Math.exp(A4));
}

/** P(alive) (Hardie's note 021). */
export function bgnbdPAlive({ r, alpha, a, b }: BgnbdParams, x: number, tx: number, T: number): number {
  return x === 0 ? 1 : 1 / (1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x));
}

/** E[X(t) | x, t_x, T] = P(alive) × the project's expected occasions if alive. */
export function bgnbdConditionalExpected(params: BgnbdParams, t: number, x: number, tx: number, T: number): number {
  return bgnbdPAlive(params, x, tx, T) * bgnbdExpectedIfAlive(params, t, x, T);
}

/** FHL 2005 eq. 10 as printed (no Euler transformation), with cephes' 2F1. */
export function bgnbdConditionalExpectedDirect(params: BgnbdParams, t: number, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = params;
  const z = t / (alpha + T + t);
  const bracket = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * cephes.hyp2f1(r + x, b + x, a + b + x - 1, z);
  return ((a + b + x - 1) / (a - 1)) * bracket * bgnbdPAlive(params, x, tx, T);
}

/** Gamma-Gamma log-density of a mean m of x occasions, lnΓ from cephes. */
export function gammaGammaLogLikelihoodOf(p: number, q: number, gamma: number, x: number, m: number): number {
  return (
    cephes.lgam(p * x + q) -
    cephes.lgam(p * x) -
    cephes.lgam(q) +
    q * Math.log(gamma) +
    (p * x - 1) * Math.log(m) +
    p * x * Math.log(x) -
    (p * x + q) * Math.log(gamma + x * m)
  );
}
