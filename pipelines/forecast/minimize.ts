// The one file that touches the optimizer package, so that it can be swapped here alone.
// numeric@1.2.6 (numeric.uncmin: BFGS quasi-Newton with a backtracking line search) is frozen
// since 2012 but installs without dependencies and reaches the published optimum on CDNOW;
// docs/forecasts.md says why the maintained alternatives were not taken.
import numeric from 'numeric';

export interface MinimizeOptions {
  /** Iteration cap; numeric counts line-search halvings as iterations. */
  maxIterations: number;
  /** Step size below which numeric stops. */
  tolerance?: number;
  /** Gradient norm below which a stop counts as converged (objectives here are means per member). */
  gradientTolerance?: number;
}

export interface MinimizeResult {
  x: number[];
  iterations: number;
  /** numeric's stop message. */
  message: string;
  /** numeric stopped on a small step, and the gradient there is small too. */
  converged: boolean;
}

// numeric's two messages of a normal stop; anything else (maxit reached, a NaN) is not converged.
const normalStops = new Set(['Newton step smaller than tol', 'Line search step size smaller than tol']);

/**
 * numeric's BFGS updates its inverse Hessian H even where the curvature s·y is negative (its line
 * search does not ask for it), and H may then point uphill: every step fails and numeric stops
 * with the gradient not small (MBG/NBD on shops whose purchase rates hardly vary). Before each
 * step an H that does not point downhill (g·Hg ≤ 0) is reset to the identity, in place: numeric
 * hands its H to the callback and steps along −Hg next.
 */
function keepDescending(_iteration: number, _x: number[], _f: number, gradient: number[], inverseHessian: number[][]): boolean {
  const slope = inverseHessian.reduce((sum, row, i) => sum + gradient[i]! * row.reduce((dot, h, j) => dot + h * gradient[j]!, 0), 0);
  if (!(slope > 0)) for (const [i, row] of inverseHessian.entries()) row.fill(0)[i] = 1;
  return false;
}

/** The largest |x_i|: exp(±20) keeps the log-parameters' exponentials finite. */
const bound = 20;

/**
 * Minimizes f from x0 with its gradient; deterministic (no randomness). numeric runs over u with
 * x = 20 tanh(u/20) (x ≈ u where |x| is small), which keeps x within ±20 without a wall: beyond a
 * wall (f = +Infinity) a coordinate whose optimum lies at infinity (r → ∞ on a shop whose
 * purchase rates hardly vary) cost every later step dozens of halvings, each counted as an
 * iteration. Convergence is judged on the gradient in x.
 */
export function minimize(
  f: (x: number[]) => number,
  gradient: (x: number[]) => number[],
  x0: readonly number[],
  options: MinimizeOptions,
): MinimizeResult {
  const toX = (u: number[]) => u.map((value) => bound * Math.tanh(value / bound));
  const value = (u: number[]): number => {
    const at = f(toX(u));
    return Number.isFinite(at) ? at : Number.POSITIVE_INFINITY;
  };
  const slope = (u: number[]): number[] => {
    const x = toX(u);
    return gradient(x).map((g, i) => g * (1 - (x[i]! / bound) ** 2));
  };
  const u0 = x0.map((x) => bound * Math.atanh(x / bound));
  const result = numeric.uncmin(value, u0, options.tolerance ?? 1e-10, slope, options.maxIterations, keepDescending);
  const x = toX(result.solution);
  return {
    x,
    iterations: result.iterations,
    // numeric leaves the message empty when its outer loop reaches the iteration limit.
    message: result.message || 'iteration limit reached',
    converged: normalStops.has(result.message) && Math.hypot(...gradient(x)) < (options.gradientTolerance ?? 1e-4),
  };
}
