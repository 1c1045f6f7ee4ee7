// The part of numeric@1.2.6 that minimize.ts uses (the package ships no types).
declare module 'numeric' {
  interface UncminResult {
    solution: number[];
    f: number;
    gradient: number[];
    iterations: number;
    message: string;
  }
  const numeric: {
    uncmin(
      f: (x: number[]) => number,
      x0: number[],
      tol?: number,
      gradient?: (x: number[]) => number[],
      maxit?: number,
      callback?: (iteration: number, x: number[], f: number, gradient: number[], inverseHessian: number[][]) => boolean,
    ): UncminResult;
  };
  export default numeric;
}
