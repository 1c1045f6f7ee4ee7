// The Gamma-Gamma model of the value of a member's occasions (Fader, Hardie and Lee 2005, "RFM
// and CLV"; Fader and Hardie 2013, "The Gamma-Gamma Model of Monetary Value"): likelihood and fit.
// The conditional expected value per member is SQL (models/marts/member_forecast.sql).
import { type LikelihoodFit, type LogLikelihood, maximizeLikelihood } from './maximize-likelihood.js';
import { digamma, lnGamma } from './special-functions.js';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

/** x occasions with mean value m (x > 0, m > 0), and how many members have them. */
export interface SpendPattern {
  x: number;
  m: number;
  n: number;
}

/** The start of BTYD's spend.EstimateParameters and of lifetimes' GammaGammaFitter. */
const start: GammaGammaParams = { p: 1, q: 1, gamma: 1 };

const toParams = ([p, q, gamma]: number[]): GammaGammaParams => ({ p: p!, q: q!, gamma: gamma! });

/**
 * Fitted to the values divided by their mean, so that the start suits any currency: the model is
 * scale-equivariant (values × c: the same p and q, γ × c), so γ is scaled back and the
 * log-likelihood taken on the values as they are.
 */
export function fitGammaGamma(patterns: readonly SpendPattern[], maxIterations: number): LikelihoodFit & { fitted: GammaGammaParams } {
  const members = patterns.reduce((sum, pattern) => sum + pattern.n, 0);
  const scale = patterns.reduce((sum, pattern) => sum + pattern.n * pattern.m, 0) / members;
  const scaled = makeGammaGammaLogLikelihood(patterns.map((pattern) => ({ ...pattern, m: pattern.m / scale })));
  const fit = maximizeLikelihood((params) => scaled(toParams(params)), members, [start.p, start.q, start.gamma], maxIterations);
  const fitted = { ...toParams(fit.params), gamma: fit.params[2]! * scale };
  const logLikelihood = makeGammaGammaLogLikelihood(patterns)(fitted).value;
  return { ...fit, params: [fitted.p, fitted.q, fitted.gamma], logLikelihood, fitted };
}

/**
 * The log-density of the observed mean m of x occasions, summed with weights n (BTYD's spend.LL,
 * lifetimes' GammaGammaFitter):
 *   LL = lnΓ(px+q) − lnΓ(px) − lnΓ(q) + q ln γ + (px−1) ln m + px ln x − (px+q) ln(γ + x m)
 * and its gradient:
 *   ∂p = x [ψ(px+q) − ψ(px) + ln m + ln x − ln(γ + x m)];  ∂q = ψ(px+q) − ψ(q) + ln γ − ln(γ + x m)
 *   ∂γ = q/γ − (px+q)/(γ + x m)
 */
export function makeGammaGammaLogLikelihood(patterns: readonly SpendPattern[]): (params: GammaGammaParams) => LogLikelihood {
  const lnMean = patterns.map((pattern) => Math.log(pattern.m));
  const xs = [...new Set(patterns.map((pattern) => pattern.x))];
  return ({ p, q, gamma }) => {
    const byX = new Map(
      xs.map((x) => [x, { lnGammaRatio: lnGamma(p * x + q) - lnGamma(p * x), psiSum: digamma(p * x + q), psiPx: digamma(p * x) }]),
    );
    const lnGammaQ = lnGamma(q);
    const psiQ = digamma(q);
    const lnG = Math.log(gamma);
    let value = 0;
    const gradient = [0, 0, 0];
    for (const [index, { x, m, n }] of patterns.entries()) {
      const { lnGammaRatio, psiSum, psiPx } = byX.get(x)!;
      const px = p * x;
      const lnM = lnMean[index]!;
      const lnX = Math.log(x);
      const lnTotal = Math.log(gamma + x * m);
      value += n * (lnGammaRatio - lnGammaQ + q * lnG + (px - 1) * lnM + px * lnX - (px + q) * lnTotal);
      gradient[0]! += n * x * (psiSum - psiPx + lnM + lnX - lnTotal);
      gradient[1]! += n * (psiSum - psiQ + lnG - lnTotal);
      gradient[2]! += n * (q / gamma - (px + q) / (gamma + x * m));
    }
    return { value, gradient };
  };
}
