import cephes from 'cephes';
import { type BgnbdParams, type BgnbdVariant, bgnbdExpectedIfAlive } from '../../pipelines/forecast/bgnbd.js';

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

/**
 * Log-likelihood of one (x, t_x, T) under MBG/NBD, as lifetimes' ModifiedBetaGeoFitter writes it:
 * A1 + A2 + A3 + log(1 + e^A4) with A2 = lnΓ(a+b) + lnΓ(b+x+1) − lnΓ(b) − lnΓ(a+b+x+1) and
 * A4 = ln a − ln(b+x) + (r+x)(ln(α+T) − ln(α+t_x)).
 */
export function mbgnbdLogLikelihoodOf({ r, alpha, a, b }: BgnbdParams, x: number, tx: number, T: number): number {
  const lg = cephes.lgam;
  const A1 = lg(r + x) - lg(r) + r * Math.log(alpha);
  const A2 = lg(a + b) + lg(b + x + 1) - lg(b) - lg(a + b + x + 1);
  const A3 = -(r + x) * Math.log(alpha + T);
  const A4 = Math.log(a) - Math.log(b + x) + (r + x) * (Math.log(alpha + T) - Math.log(alpha + tx));
  return A1 + A2 + A3 + Math.log1p(Math.exp(A4));
}

/** P(alive): BG/NBD (Hardie's note 021), or MBG/NBD (lifetimes' conditional_probability_alive). */
export function bgnbdPAlive({ r, alpha, a, b }: BgnbdParams, x: number, tx: number, T: number, variant: BgnbdVariant = 'bgnbd'): number {
  if (variant === 'mbgnbd') return 1 / (1 + (a / (b + x)) * ((alpha + T) / (alpha + tx)) ** (r + x));
  return x === 0 ? 1 : 1 / (1 + (a / (b + x - 1)) * ((alpha + T) / (alpha + tx)) ** (r + x));
}

/** E[X(t) | x, t_x, T] = P(alive) × the project's expected occasions if alive. */
export function bgnbdConditionalExpected(
  params: BgnbdParams,
  t: number,
  x: number,
  tx: number,
  T: number,
  variant: BgnbdVariant = 'bgnbd',
): number {
  return bgnbdPAlive(params, x, tx, T, variant) * bgnbdExpectedIfAlive(variant, params, t, x, T);
}

/**
 * MBG/NBD's E[X(t) | x, t_x, T] as lifetimes' conditional_expected_number_of_purchases_up_to_time
 * writes it (Wagner and Hoppe 2008), with cephes' 2F1.
 */
export function mbgnbdConditionalExpectedDirect(params: BgnbdParams, t: number, x: number, tx: number, T: number): number {
  const { r, alpha, a, b } = params;
  const hyp = cephes.hyp2f1(r + x, b + x + 1, a + b + x, t / (alpha + T + t));
  const numerator = ((a + b + x) / (a - 1)) * (1 - hyp * ((alpha + T) / (alpha + t + T)) ** (r + x));
  return numerator / (1 + (a / (b + x)) * ((alpha + T) / (alpha + tx)) ** (r + x));
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
