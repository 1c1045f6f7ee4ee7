// Special functions of the BG/NBD and Gamma-Gamma likelihoods and expectations. Checked against
// cephes in test/forecast/special-functions.test.ts.

// Lanczos approximation, g = 7, n = 9 (the coefficients of Numerical Recipes and Godfrey).
const lanczosG = 7;
const lanczosCoefficients = [
  0.9999999999998099, 676.5203681218851, -1259.1392167224028, 771.3234287776531, -176.6150291621406, 12.507343278686905,
  -0.13857109526572012, 9.984369578019572e-6, 1.5056327351493116e-7,
];
const lnSqrtTwoPi = 0.9189385332046728;

/** ln Γ(z) for z > 0 (relative error about 1e-15 where the models use it). */
export function lnGamma(z: number): number {
  if (!(z > 0)) throw new RangeError(`lnGamma: z must be > 0, got ${z}`);
  // The reflection formula keeps small arguments accurate.
  if (z < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * z)) - lnGamma(1 - z);
  const shifted = z - 1;
  const t = shifted + lanczosG + 0.5;
  let sum = lanczosCoefficients[0]!;
  for (let index = 1; index < lanczosCoefficients.length; index++) sum += lanczosCoefficients[index]! / (shifted + index);
  return lnSqrtTwoPi + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

/**
 * Digamma ψ(x) = d/dx ln Γ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 6, then the
 * asymptotic series ln x − 1/(2x) − Σ B_2k / (2k x^2k). Absolute error below 1e-13.
 */
export function digamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`digamma: x must be > 0, got ${x}`);
  let shift = 0;
  let y = x;
  while (y < 6) {
    shift -= 1 / y;
    y += 1;
  }
  const f = 1 / (y * y);
  const series = f * (-1 / 12 + f * (1 / 120 + f * (-1 / 252 + f * (1 / 240 + f * (-1 / 132 + f * (691 / 32760 + f * (-1 / 12)))))));
  return shift + Math.log(y) - 0.5 / y + series;
}

/**
 * The Gaussian hypergeometric function 2F1(a, b; c; z) by its power series
 * Σ_j (a)_j (b)_j / ((c)_j j!) z^j, for |z| < 1, as its sign and the logarithm of its absolute
 * value: the sum is rescaled as it grows, so that a series whose value exceeds the range of a
 * double (large parameters) still gives its logarithm. Stops when two consecutive terms are below
 * 1e-15 of the sum; throws rather than return a value that has not converged.
 */
export function hyp2f1Log(a: number, b: number, c: number, z: number, maxTerms = 100_000): { sign: number; log: number } {
  if (!(Math.abs(z) < 1)) throw new RangeError(`hyp2f1: |z| must be < 1, got ${z}`);
  if (c <= 0 && Number.isInteger(c)) throw new RangeError(`hyp2f1: c must not be a non-positive integer, got ${c}`);
  let term = 1;
  let sum = 1;
  let logScale = 0;
  let small = 0;
  for (let j = 1; j <= maxTerms; j++) {
    term *= (((a + j - 1) * (b + j - 1)) / ((c + j - 1) * j)) * z;
    sum += term;
    if (Math.abs(sum) > 1e250) {
      sum *= 1e-250;
      term *= 1e-250;
      logScale += 250 * Math.LN10;
    }
    if (!Number.isFinite(sum)) throw new RangeError(`hyp2f1: overflow at term ${j} (a=${a}, b=${b}, c=${c}, z=${z})`);
    small = Math.abs(term) <= 1e-15 * Math.abs(sum) ? small + 1 : 0;
    if (small >= 2) return { sign: Math.sign(sum), log: Math.log(Math.abs(sum)) + logScale };
  }
  throw new RangeError(`hyp2f1: no convergence in ${maxTerms} terms (a=${a}, b=${b}, c=${c}, z=${z})`);
}

/** 2F1(a, b; c; z) for |z| < 1 (see hyp2f1Log). */
export function hyp2f1(a: number, b: number, c: number, z: number, maxTerms = 100_000): number {
  const { sign, log } = hyp2f1Log(a, b, c, z, maxTerms);
  return sign * Math.exp(log);
}
