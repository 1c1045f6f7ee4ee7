// The one file that touches the optimizer package, so that it can be swapped here alone.
// numeric@1.2.6 (numeric.uncmin: BFGS quasi-Newton with a backtracking line search) is frozen
// since 2012 but installs without dependencies and reaches the published optimum on CDNOW;
// README "Forecasts" says why the maintained alternatives were not taken.
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
  /** numeric stopped on a small step, but the gradient there is not small. */
  stalled: boolean;
}

// numeric's two messages of a normal stop; anything else (maxit reached, a NaN) is not converged.
const normalStops = new Set(['Newton step smaller than tol', 'Line search step size smaller than tol']);

/**
 * Minimizes f from x0 with its gradient; deterministic (no randomness). Beyond |x_i| > 20 the
 * objective is +Infinity, which keeps the exponentiated log-parameters finite.
 */
export function minimize(
  f: (x: number[]) => number,
  gradient: (x: number[]) => number[],
  x0: readonly number[],
  options: MinimizeOptions,
): MinimizeResult {
  const bounded = (x: number[]): number => {
    if (x.some((value) => !(Math.abs(value) <= 20))) return Number.POSITIVE_INFINITY;
    const value = f(x);
    return Number.isFinite(value) ? value : Number.POSITIVE_INFINITY;
  };
  const result = numeric.uncmin(bounded, [...x0], options.tolerance ?? 1e-10, gradient, options.maxIterations);
  const normalStop = normalStops.has(result.message);
  const smallGradient = Math.hypot(...result.gradient) < (options.gradientTolerance ?? 1e-4);
  return {
    x: result.solution,
    iterations: result.iterations,
    // numeric leaves the message empty when its outer loop reaches the iteration limit.
    message: result.message || 'iteration limit reached',
    converged: normalStop && smallGradient,
    stalled: normalStop && !smallGradient,
  };
}
