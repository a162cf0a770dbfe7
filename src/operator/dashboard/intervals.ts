/**
 * Per-variant confidence intervals the dashboard draws: Wilson score intervals for error rates
 * (sensible at 0 or 1 errors and small n, unlike p ± z·se) and Student t intervals for mean
 * latency and score. Computed from the report's counts, means and standard deviations at the
 * experiment's own level (1 − significance). Pure; experiments.tsx calls it.
 */
import { normalQuantile, studentTQuantile } from "../../experiments/stats/distributions";

export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}

/** Wilson score interval of `successes` out of `n` at `confidence`; null without samples. */
export function wilsonInterval(successes: number, n: number, confidence: number): Interval | null {
  if (n <= 0) return null;
  const z = normalQuantile(1 - (1 - confidence) / 2);
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  return { estimate: p, lo: Math.max(0, center - half), hi: Math.min(1, center + half) };
}

/** Student t interval of a mean from n, mean and sample sd; zero width (the point only) below two samples, null without a mean. */
export function meanInterval(n: number, mean: number | null, sd: number | null, confidence: number): Interval | null {
  if (mean === null) return null;
  if (n < 2 || sd === null) return { estimate: mean, lo: mean, hi: mean };
  const t = studentTQuantile(1 - (1 - confidence) / 2, n - 1);
  const half = (t * sd) / Math.sqrt(n);
  return { estimate: mean, lo: mean - half, hi: mean + half };
}
