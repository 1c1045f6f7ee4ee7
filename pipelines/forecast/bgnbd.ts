// The BG/NBD model (Fader, Hardie and Lee 2005, "Counting Your Customers the Easy Way") and its
// modification MBG/NBD (Batislam, Denizel and Filiztekin 2007; lifetimes' ModifiedBetaGeoFitter):
// likelihood, fit and the expected occasions of a member still alive. P(alive) and the per-member
// projection are SQL (models/marts/member_forecast.sql).
import { type LikelihoodFit, type LogLikelihood, maximizeLikelihood } from './maximize-likelihood.js';
import { digamma, hyp2f1Log, lnGamma } from './special-functions.js';

export interface BgnbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

/** x repeat occasions, recency t_x and age T (in periods), and how many members have them. */
export interface Triple {
  x: number;
  tx: number;
  T: number;
  n: number;
}

/**
 * BG/NBD lets a customer drop out after each repeat occasion, MBG/NBD after every occasion, the
 * first included (so a one-time buyer may have left). A member then has d = x (BG/NBD) or x + 1
 * (MBG/NBD) dropout chances, and every formula of the two models is the same in d: where BG/NBD
 * reads b + x (and b + x − 1), MBG/NBD reads b + x + 1 (and b + x).
 */
export const bgnbdVariants = ['bgnbd', 'mbgnbd'] as const;

export type BgnbdVariant = (typeof bgnbdVariants)[number];

/** Dropout chances of a member with x repeat occasions. */
const dropoutChances = (variant: BgnbdVariant, x: number): number => (variant === 'mbgnbd' ? x + 1 : x);

/** The BTYD package's start, bgnbd.EstimateParameters' default c(1, 3, 1, 3). */
const start: BgnbdParams = { r: 1, alpha: 3, a: 1, b: 3 };

const toParams = ([r, alpha, a, b]: number[]): BgnbdParams => ({ r: r!, alpha: alpha!, a: a!, b: b! });

export function fitBgnbd(
  variant: BgnbdVariant,
  triples: readonly Triple[],
  maxIterations: number,
): LikelihoodFit & { fitted: BgnbdParams } {
  const logLikelihood = makeBgnbdLogLikelihood(variant, triples);
  const members = triples.reduce((sum, triple) => sum + triple.n, 0);
  const fit = maximizeLikelihood(
    (params) => logLikelihood(toParams(params)),
    members,
    [start.r, start.alpha, start.a, start.b],
    maxIterations,
  );
  return { ...fit, fitted: toParams(fit.params) };
}

/**
 * The sample log-likelihood Σ n · LL(x, t_x, T) (FHL 2005 eq. 6, in the form of BTYD's bgnbd.LL
 * and lifetimes' BetaGeoFitter, with the log-sum-exp of Hardie's note 027), in the dropout
 * chances d (x for BG/NBD; x + 1 for MBG/NBD, which gives lifetimes' ModifiedBetaGeoFitter's):
 *   A1 = lnΓ(r+x) − lnΓ(r) + r ln α;  A2 = lnΓ(a+b) + lnΓ(b+d) − lnΓ(b) − lnΓ(a+b+d)
 *   A3 = −(r+x) ln(α+T);  A4 = ln a − ln(b+d−1) − (r+x) ln(α+t_x) (d > 0 only)
 *   LL = A1 + A2 + ln(e^A3 + [d>0] e^A4)
 * and its gradient, with π4 = e^A4 / (e^A3 + e^A4) (0 when d = 0) and π3 = 1 − π4:
 *   ∂r = ψ(r+x) − ψ(r) + ln α − π3 ln(α+T) − π4 ln(α+t_x);  ∂α = r/α − (r+x)(π3/(α+T) + π4/(α+t_x))
 *   ∂a = ψ(a+b) − ψ(a+b+d) + π4/a;  ∂b = ψ(a+b) + ψ(b+d) − ψ(b) − ψ(a+b+d) − π4/(b+d−1)
 * The lnΓ and ψ terms are computed once per distinct x and the logarithms once per distinct T
 * and t_x, so that one evaluation over 10⁵ triples takes milliseconds.
 */
export function makeBgnbdLogLikelihood(variant: BgnbdVariant, triples: readonly Triple[]): (params: BgnbdParams) => LogLikelihood {
  const xs = distinctIndex(triples.map((triple) => triple.x));
  const ages = distinctIndex(triples.map((triple) => triple.T));
  const recencies = distinctIndex(triples.map((triple) => triple.tx));
  const count = triples.length;
  // Flat typed arrays: the loop over 10⁵ triples runs once per evaluation, dozens of times a fit.
  const x = Float64Array.from(triples, (triple) => triple.x);
  const n = Float64Array.from(triples, (triple) => triple.n);
  const T = Float64Array.from(triples, (triple) => triple.T);
  const tx = Float64Array.from(triples, (triple) => triple.tx);
  const weightOfX = new Float64Array(xs.values.length);
  for (let i = 0; i < count; i++) weightOfX[xs.index[i]!]! += n[i]!;
  const lnAge = new Float64Array(ages.values.length);
  const lnRecency = new Float64Array(recencies.values.length);
  const lnDropout = new Float64Array(xs.values.length);
  return ({ r, alpha, a, b }) => {
    const lnAlpha = Math.log(alpha);
    const base = -lnGamma(r) + r * lnAlpha + lnGamma(a + b) - lnGamma(b);
    const psiR = digamma(r);
    const psiAB = digamma(a + b);
    const psiB = digamma(b);
    let value = 0;
    let dr = 0;
    let dAlpha = 0;
    let da = 0;
    let db = 0;
    for (const [k, xk] of xs.values.entries()) {
      const weight = weightOfX[k]!;
      const dk = dropoutChances(variant, xk);
      const psiABD = digamma(a + b + dk);
      value += weight * (base + lnGamma(r + xk) + lnGamma(b + dk) - lnGamma(a + b + dk));
      dr += weight * (digamma(r + xk) - psiR + lnAlpha);
      dAlpha += (weight * r) / alpha;
      da += weight * (psiAB - psiABD);
      db += weight * (psiAB + digamma(b + dk) - psiB - psiABD);
      lnDropout[k] = dk > 0 ? Math.log(a) - Math.log(b + dk - 1) : 0;
    }
    for (const [j, age] of ages.values.entries()) lnAge[j] = Math.log(alpha + age);
    for (const [l, recency] of recencies.values.entries()) lnRecency[l] = Math.log(alpha + recency);
    for (let i = 0; i < count; i++) {
      const xi = x[i]!;
      const ni = n[i]!;
      const di = dropoutChances(variant, xi);
      const rx = r + xi;
      const lnT = lnAge[ages.index[i]!]!;
      const A3 = -rx * lnT;
      if (di === 0) {
        value += ni * A3;
        dr -= ni * lnT;
        dAlpha -= (ni * rx) / (alpha + T[i]!);
        continue;
      }
      const lnTx = lnRecency[recencies.index[i]!]!;
      const A4 = lnDropout[xs.index[i]!]! - rx * lnTx;
      // log(e^A3 + e^A4) and the weight π4 = e^A4 / (e^A3 + e^A4), with one exponential.
      const e = Math.exp(-Math.abs(A3 - A4));
      const p4 = A4 >= A3 ? 1 / (1 + e) : e / (1 + e);
      const p3 = 1 - p4;
      value += ni * (Math.max(A3, A4) + Math.log1p(e));
      dr -= ni * (p3 * lnT + p4 * lnTx);
      dAlpha -= ni * rx * (p3 / (alpha + T[i]!) + p4 / (alpha + tx[i]!));
      da += (ni * p4) / a;
      db -= (ni * p4) / (b + di - 1);
    }
    return { value, gradient: [dr, dAlpha, da, db] };
  };
}

/**
 * Expected repeat occasions in the next t periods of a member with x repeat occasions and age T,
 * given that it is still alive: E[X(t) | x, t_x, T] = P(alive) × this (FHL 2005 eq. 10; for
 * MBG/NBD Wagner and Hoppe 2008, as lifetimes), which does not depend on t_x. With z = t/(α+T+t)
 * and d the dropout chances it is (a+b+d−1)/(a−1) · [1 − P · S], where either
 *   P = (1−z)^(r+x), S = 2F1(r+x, b+d; a+b+d−1; z)        (eq. 10 as printed), or
 *   P = (1−z)^(a−1), S = 2F1(a+b+d−x−1−r, a−1; a+b+d−1; z)    (its Euler transformation).
 * The series grows about as (1−z)^(−AB/C) in its parameters A, B, C: the printed one for heavy
 * buyers (x large), the transformed one when a is large (fits where the dropout probability
 * hardly varies between members, a and b in the millions). The one that grows less is summed,
 * and P · S is taken in logarithms, so neither overflows.
 */
export function bgnbdExpectedIfAlive(variant: BgnbdVariant, { r, alpha, a, b }: BgnbdParams, t: number, x: number, T: number): number {
  if (t <= 0) return 0;
  const z = t / (alpha + T + t);
  const d = dropoutChances(variant, x);
  const c = a + b + d - 1;
  const printed = { power: r + x, A: r + x, B: b + d };
  const transformed = { power: a - 1, A: c - r - x, B: a - 1 };
  const growth = (form: typeof printed) => Math.abs((form.A * form.B) / c);
  const form = growth(printed) <= growth(transformed) ? printed : transformed;
  const series = hyp2f1Log(form.A, form.B, c, z);
  const product = series.sign * Math.exp(form.power * Math.log1p(-z) + series.log);
  return (c / (a - 1)) * (1 - product);
}

// Each value's position among the distinct values, so that terms are computed once per value.
function distinctIndex(values: number[]): { values: number[]; index: Int32Array } {
  const positions = new Map<number, number>();
  const index = new Int32Array(values.length);
  for (const [at, value] of values.entries()) {
    let position = positions.get(value);
    if (position === undefined) {
      position = positions.size;
      positions.set(value, position);
    }
    index[at] = position;
  }
  return { values: [...positions.keys()], index };
}
