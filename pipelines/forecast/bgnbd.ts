// The BG/NBD model (Fader, Hardie and Lee 2005, "Counting Your Customers the Easy Way") and its
// modification MBG/NBD (Batislam, Denizel and Filiztekin 2007; lifetimes' ModifiedBetaGeoFitter):
// likelihood, fit and the expected occasions of a member still alive. P(alive) and the per-member
// projection are SQL (models/marts/member_forecast.sql).
import { type LikelihoodFit, type LogLikelihood, maximizeLikelihood } from './maximize-likelihood.js';
import { hyp2f1Log } from './special-functions.js';

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

/**
 * The fit's coordinates: each mixing distribution's shape and mean, r and r/α for the purchase
 * rates' gamma, a + b and a/b (the odds of its mean) for the dropout probabilities' beta
 * (maximizeLikelihood takes their logarithms). Where purchase rates hardly vary between members
 * (the sample shop under MBG/NBD), the likelihood rises towards r, α → ∞ with r/α fixed: the
 * gamma collapses to one rate; likewise a, b → ∞ with a/b fixed where the dropout probability
 * hardly varies. Over (ln r, ln α) such a limit is a narrow diagonal ridge, on which BFGS ran α
 * into its bound with the rest still moving and stalled; over (ln r, ln r/α) it is one coordinate
 * whose slope vanishes, so the fit stops at a large r (or a + b) with a small gradient.
 */
const toCoordinates = ({ r, alpha, a, b }: BgnbdParams): number[] => [r, r / alpha, a + b, a / b];

const fromCoordinates = ([r, rate, sum, ratio]: number[]): BgnbdParams => ({
  r: r!,
  alpha: r! / rate!,
  a: (sum! * ratio!) / (1 + ratio!),
  b: sum! / (1 + ratio!),
});

export function fitBgnbd(
  variant: BgnbdVariant,
  triples: readonly Triple[],
  maxIterations: number,
): LikelihoodFit & { fitted: BgnbdParams } {
  const logLikelihood = makeBgnbdLogLikelihood(variant, triples);
  const members = triples.reduce((sum, triple) => sum + triple.n, 0);
  // The chain rule: ∂/∂r = ∂r + ∂α α/r, ∂/∂(r/α) = −∂α α²/r, ∂/∂(a+b) = (a ∂a + b ∂b)/(a+b) and
  // ∂/∂(a/b) = (∂a − ∂b) b²/(a+b).
  const inCoordinates = (coordinates: number[]): LogLikelihood => {
    const { r, alpha, a, b } = fromCoordinates(coordinates);
    const { value, gradient } = logLikelihood({ r, alpha, a, b });
    const [dr, dAlpha, da, db] = gradient as [number, number, number, number];
    return {
      value,
      gradient: [dr + (dAlpha * alpha) / r, (-dAlpha * alpha * alpha) / r, (a * da + b * db) / (a + b), ((da - db) * b * b) / (a + b)],
    };
  };
  const fit = maximizeLikelihood(inCoordinates, members, toCoordinates(start), maxIterations);
  const fitted = fromCoordinates(fit.params);
  return { ...fit, params: [fitted.r, fitted.alpha, fitted.a, fitted.b], fitted };
}

/**
 * The sample log-likelihood Σ n · LL(x, t_x, T) (FHL 2005 eq. 6, as BTYD's bgnbd.LL and lifetimes'
 * BetaGeoFitter, with the log-sum-exp of Hardie's note 027), in the dropout chances d (x for
 * BG/NBD; x + 1 for MBG/NBD, which gives lifetimes' ModifiedBetaGeoFitter's). With the rising
 * factorial (z)_k = Γ(z+k)/Γ(z) and r ln α taken into A3 and A4:
 *   LL = ln (r)_x + ln (b)_d − ln (a+b)_d + ln(e^A3 + [d>0] e^A4)
 *   A3 = −r ln(1 + T/α) − x ln(α+T);  A4 = ln a − ln(b+d−1) − r ln(1 + t_x/α) − x ln(α+t_x)
 * and its gradient, with π4 = e^A4 / (e^A3 + e^A4) (0 when d = 0), π3 = 1 − π4 and
 * s(u) = r u/(α(α+u)) − x/(α+u):
 *   ∂r = Σ_{j<x} 1/(r+j) − π3 ln(1 + T/α) − π4 ln(1 + t_x/α);  ∂α = π3 s(T) + π4 s(t_x)
 *   ∂a = −Σ_{j<d} 1/(a+b+j) + π4/a;  ∂b = Σ_{j<d} (1/(b+j) − 1/(a+b+j)) − π4/(b+d−1)
 * This form keeps its digits where r and α (or a and b) run into the millions: the lnΓ and ψ
 * differences and r ln α − r ln(α+T) of the printed form cancel there, by 0.01 in a sample
 * log-likelihood of −37,450 at r = 10⁷, which is noise enough to stall the fit. The rising
 * factorials are built up once per evaluation to the largest x, the logarithms once per distinct
 * T and t_x, so that one evaluation over 10⁵ triples takes milliseconds.
 */
export function makeBgnbdLogLikelihood(variant: BgnbdVariant, triples: readonly Triple[]): (params: BgnbdParams) => LogLikelihood {
  for (const { x } of triples)
    if (!(Number.isInteger(x) && x >= 0)) throw new RangeError(`BG/NBD: x must be a whole number of repeat occasions, got ${x}`);
  const xs = distinctIndex(triples.map((triple) => triple.x));
  const ages = distinctIndex(triples.map((triple) => triple.T));
  const recencies = distinctIndex(triples.map((triple) => triple.tx));
  const count = triples.length;
  const mostChances = Math.max(0, ...xs.values.map((value) => dropoutChances(variant, value)));
  // Flat typed arrays: the loop over 10⁵ triples runs once per evaluation, dozens of times a fit.
  const x = Float64Array.from(triples, (triple) => triple.x);
  const n = Float64Array.from(triples, (triple) => triple.n);
  const weightOfX = new Float64Array(xs.values.length);
  for (let i = 0; i < count; i++) weightOfX[xs.index[i]!]! += n[i]!;
  const lnDropout = new Float64Array(xs.values.length);
  return ({ r, alpha, a, b }) => {
    const rising = { r: risingFactorials(r, mostChances), b: risingFactorials(b, mostChances), ab: risingFactorials(a + b, mostChances) };
    let value = 0;
    let dr = 0;
    let dAlpha = 0;
    let da = 0;
    let db = 0;
    for (const [k, xk] of xs.values.entries()) {
      const weight = weightOfX[k]!;
      const dk = dropoutChances(variant, xk);
      value += weight * (rising.r.log[xk]! + rising.b.log[dk]! - rising.ab.log[dk]!);
      dr += weight * rising.r.slope[xk]!;
      da -= weight * rising.ab.slope[dk]!;
      db += weight * (rising.b.slope[dk]! - rising.ab.slope[dk]!);
      lnDropout[k] = dk > 0 ? Math.log(a) - Math.log(b + dk - 1) : 0;
    }
    const age = elapsedTerms(ages.values, r, alpha);
    const recency = elapsedTerms(recencies.values, r, alpha);
    for (let i = 0; i < count; i++) {
      const xi = x[i]!;
      const ni = n[i]!;
      const di = dropoutChances(variant, xi);
      const j = ages.index[i]!;
      const A3 = -r * age.shrink[j]! - xi * age.ln[j]!;
      const slopeT = age.rateSlope[j]! - xi * age.inverse[j]!;
      if (di === 0) {
        value += ni * A3;
        dr -= ni * age.shrink[j]!;
        dAlpha += ni * slopeT;
        continue;
      }
      const l = recencies.index[i]!;
      const A4 = lnDropout[xs.index[i]!]! - r * recency.shrink[l]! - xi * recency.ln[l]!;
      // log(e^A3 + e^A4) and the weight π4 = e^A4 / (e^A3 + e^A4), with one exponential.
      const e = Math.exp(-Math.abs(A3 - A4));
      const p4 = A4 >= A3 ? 1 / (1 + e) : e / (1 + e);
      const p3 = 1 - p4;
      value += ni * (Math.max(A3, A4) + Math.log1p(e));
      dr -= ni * (p3 * age.shrink[j]! + p4 * recency.shrink[l]!);
      dAlpha += ni * (p3 * slopeT + p4 * (recency.rateSlope[l]! - xi * recency.inverse[l]!));
      da += (ni * p4) / a;
      db -= (ni * p4) / (b + di - 1);
    }
    return { value, gradient: [dr, dAlpha, da, db] };
  };
}

/** ln (z)_k = Σ_{j<k} ln(z+j) and its derivative ψ(z+k) − ψ(z) = Σ_{j<k} 1/(z+j), for k = 0 … most. */
function risingFactorials(z: number, most: number): { log: Float64Array; slope: Float64Array } {
  const log = new Float64Array(most + 1);
  const slope = new Float64Array(most + 1);
  for (let k = 1; k <= most; k++) {
    log[k] = log[k - 1]! + Math.log(z + k - 1);
    slope[k] = slope[k - 1]! + 1 / (z + k - 1);
  }
  return { log, slope };
}

/** For each elapsed time u (T or t_x): ln(α+u), ln(1 + u/α), r u/(α(α+u)) and 1/(α+u). */
function elapsedTerms(values: readonly number[], r: number, alpha: number) {
  return {
    ln: Float64Array.from(values, (u) => Math.log(alpha + u)),
    shrink: Float64Array.from(values, (u) => Math.log1p(u / alpha)),
    rateSlope: Float64Array.from(values, (u) => (r * u) / (alpha * (alpha + u))),
    inverse: Float64Array.from(values, (u) => 1 / (alpha + u)),
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
