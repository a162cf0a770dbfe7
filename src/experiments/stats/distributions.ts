/**
 * The special functions the experiment report needs, from stdlib's per-function packages
 * (https://stdlib.io, Apache-2.0) rather than our own: this file only names them in the report's
 * terms and picks the numerically right tail. Pure; called by tests.ts, bayes.ts and sequences.ts.
 *
 * Tails are taken directly (an upper incomplete gamma, the lower t CDF of −|t|), never as 1 − CDF,
 * so p-values far below 1e−16 keep their digits.
 */
import betaln from "@stdlib/math-base-special-betaln";
import gammainc from "@stdlib/math-base-special-gammainc";
import normalCdfOf from "@stdlib/stats-base-dists-normal-cdf";
import normalQuantileOf from "@stdlib/stats-base-dists-normal-quantile";
import tCdf from "@stdlib/stats-base-dists-t-cdf";
import tQuantile from "@stdlib/stats-base-dists-t-quantile";

/** ln B(a, b) for a, b > 0. */
export function logBeta(a: number, b: number): number {
  return betaln(a, b);
}

/** Standard normal CDF Φ(z). */
export function normalCdf(z: number): number {
  return normalCdfOf(z, 0, 1);
}

/** Φ⁻¹(p) for p in (0, 1). */
export function normalQuantile(p: number): number {
  return normalQuantileOf(p, 0, 1);
}

/** Student t CDF with `df` degrees of freedom (df may be fractional, as in Welch's test). */
export function studentTCdf(t: number, df: number): number {
  return tCdf(t, df);
}

/** Two-sided p-value of a t statistic: P(|T| ≥ |t|) = 2·F(−|t|). */
export function studentTTwoSided(t: number, df: number): number {
  return Math.min(1, 2 * tCdf(-Math.abs(t), df));
}

/** The t quantile for `df` degrees of freedom. */
export function studentTQuantile(p: number, df: number): number {
  return tQuantile(p, df);
}

/** Survival of the chi-square distribution with `df` degrees of freedom: P(X ≥ x) = Q(df/2, x/2). */
export function chiSquareSurvival(x: number, df: number): number {
  if (x <= 0) return 1;
  // stdlib's argument order is (x, a); the last two flags ask for the regularized upper tail.
  return gammainc(x / 2, df / 2, true, true);
}
