import { minimize } from './minimize.js';

export interface LogLikelihood {
  value: number;
  /** With respect to each parameter. */
  gradient: number[];
}

export interface LikelihoodFit {
  params: number[];
  logLikelihood: number;
  iterations: number;
  converged: boolean;
  /** The optimizer's stop message. */
  message: string;
  seconds: number;
}

/**
 * Maximum likelihood over positive parameters: minimizes −LL / members over their logarithms
 * (so they stay positive, and the mean keeps tolerances independent of the shop's size), from a
 * fixed start, with the analytic gradient.
 */
export function maximizeLikelihood(
  logLikelihood: (params: number[]) => LogLikelihood,
  members: number,
  start: readonly number[],
  maxIterations: number,
): LikelihoodFit {
  const started = performance.now();
  // numeric asks for the value and the gradient at the same point one after the other.
  let cachedAt: number[] = [];
  let cached: LogLikelihood = { value: Number.NaN, gradient: [] };
  const at = (logParams: number[]): LogLikelihood => {
    if (logParams.length !== cachedAt.length || logParams.some((value, index) => value !== cachedAt[index])) {
      const params = logParams.map(Math.exp);
      const evaluated = logLikelihood(params);
      cached = {
        value: -evaluated.value / members,
        gradient: evaluated.gradient.map((slope, index) => (-slope * params[index]!) / members),
      };
      cachedAt = [...logParams];
    }
    return cached;
  };
  const value = (logParams: number[]) => at(logParams).value;
  const gradient = (logParams: number[]) => at(logParams).gradient;
  const result = minimize(value, gradient, start.map(Math.log), { maxIterations });
  const params = result.x.map(Math.exp);
  return {
    params,
    logLikelihood: logLikelihood(params).value,
    iterations: result.iterations,
    converged: result.converged,
    message: result.message,
    seconds: (performance.now() - started) / 1000,
  };
}
