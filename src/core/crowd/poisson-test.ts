/**
 * The significance tests for small report counts: the Poisson upper tail and the Anscombe
 * variance-stabilised score. See docs/crowd.md §6.
 */

/** Lanczos approximation (g = 7, 9 terms): log Γ to about 15 significant digits. */
const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** A series term below this fraction of the running sum no longer changes a double. */
const SERIES_EPSILON = 1e-17;
/** Bounds the series for absurd rates (λ ≈ 1e12); real report rates need a few dozen terms. */
const MAX_SERIES_TERMS = 1_000_000;

/** log Γ(z) for z ≥ 1 (all we need: log k! = log Γ(k + 1)). */
function logGamma(z: number): number {
  const shifted = z - 1;
  let sum = LANCZOS_COEFFICIENTS[0];
  for (let i = 1; i < LANCZOS_COEFFICIENTS.length; i++) {
    sum += (LANCZOS_COEFFICIENTS[i] ?? 0) / (shifted + i);
  }
  const t = shifted + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** log P(X = k) for X ~ Poisson(λ), λ > 0. */
const logPoissonMass = (k: number, lambda: number): number =>
  -lambda + k * Math.log(lambda) - logGamma(k + 1);

/**
 * Sum of `1 + r₁ + r₁r₂ + …` where `nextRatio(i)` gives rᵢ; every caller's ratios are ≤ 1 and
 * shrink, so the series converges and never overflows.
 */
function sumRatioSeries(nextRatio: (i: number) => number, maxTerms: number): number {
  let sum = 1;
  let term = 1;
  for (let i = 1; i <= Math.min(maxTerms, MAX_SERIES_TERMS); i++) {
    term *= nextRatio(i);
    sum += term;
    if (term < sum * SERIES_EPSILON) break;
  }
  return sum;
}

/**
 * P(X ≥ x) for X ~ Poisson(λ): how surprising `x` reports are when `λ` were expected.
 *
 * Computed in log space so it neither underflows to NaN for large `x` nor loses precision for
 * small `λ`: above the mean it sums the upper tail directly from the mass at `x` (the terms
 * shrink); at or below the mean it takes 1 − P(X ≤ x − 1), summing down from x − 1, which is
 * then at most about one half, so the subtraction is exact enough. A fractional `x` is rounded
 * up (counts are integers). Always in [0, 1]: P(X ≥ 0) = 1; with λ = 0 any x > 0 has P = 0.
 *
 * @throws RangeError when `x` is NaN or `lambda` is negative, infinite or NaN (a bug upstream).
 */
export function poissonUpperTail(x: number, lambda: number): number {
  if (Number.isNaN(x) || !Number.isFinite(lambda) || lambda < 0) {
    throw new RangeError(`poissonUpperTail needs a number x and a finite λ ≥ 0, got x=${x}, λ=${lambda}`);
  }
  const k = Math.ceil(x);
  if (k <= 0) return 1;
  if (lambda === 0 || k === Infinity) return 0;
  if (k > lambda) {
    const tail = sumRatioSeries((i) => lambda / (k + i), MAX_SERIES_TERMS);
    return clampProbability(Math.exp(logPoissonMass(k, lambda) + Math.log(tail)));
  }
  const below = sumRatioSeries((i) => (k - i) / lambda, k - 1);
  return clampProbability(1 - Math.exp(logPoissonMass(k - 1, lambda) + Math.log(below)));
}

const clampProbability = (p: number): number => Math.min(1, Math.max(0, p));

/** Anscombe's offset: makes √(X + 3/8) close to N(√(λ + 3/8), 1/4) for Poisson X. */
const ANSCOMBE_OFFSET = 3 / 8;

/**
 * The Anscombe score z = 2·(√(x + 3/8) − √(λ + 3/8)), roughly standard normal when `x` is a
 * Poisson(λ) draw: a cheap second opinion next to the exact tail, and the doc's `z_A`.
 */
export function anscombeScore(x: number, lambda: number): number {
  return 2 * (Math.sqrt(Math.max(0, x) + ANSCOMBE_OFFSET) - Math.sqrt(Math.max(0, lambda) + ANSCOMBE_OFFSET));
}
