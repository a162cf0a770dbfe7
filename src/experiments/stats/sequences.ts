/**
 * Always-valid confidence sequences for what the report shows: each variant's mean latency,
 * mean score and error rate, and each variant's difference from control in score and error
 * rate (the intervals the winner rests on). They hold at every look at once, so the report may
 * be read as often as anyone likes. Pure; report.ts calls them.
 *
 * Means and differences use the normal-mixture boundary of mixture.ts with plug-in variances
 * (asymptotic: valid as counts grow), tuned to be narrowest when every arm has `planned` events
 * (the experiment's min_samples, the first look at which a winner may be named): in units of the
 * metric's standard deviation the mixture is fixed in advance, τ² = r*·(s₁² + s₀²)/planned with
 * r* = tuningRatio(α). A single error rate uses Robbins' beta-binomial mixture instead, which is
 * exact at any count and never leaves [0, 1].
 *
 * Small samples: with a handful of observations the plug-in variance is itself uncertain and the
 * normal boundary can be narrower than a one-look Student t interval. Means and differences of
 * means are therefore never narrower than the t interval at the same level (and their p-values
 * never below the t test's): a single look is the least the sequence must cover. From a few
 * observations on the mixture's interval is the wider one anyway; only far in the tail (p ≪ α)
 * can the t test's p-value be the larger.
 */
import { logBeta, studentTQuantile, studentTTwoSided } from "./distributions";
import { meanDifference, meanOf, varianceOf, type Moments } from "./moments";
import { mixtureHalfWidth, mixturePValue, tuningRatio } from "./mixture";

export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}

/** Variant minus control with its always-valid p-value and confidence sequence. */
export interface SequentialDifference {
  difference: number;
  /** Always-valid p-value of "no difference": P(it ever gets this small | no difference) ≤ p. */
  p_value: number;
  /** Confidence sequence at 1 − alpha. */
  ci: [number, number];
}

/** The mixture variance that puts the narrowest point at `planned` samples, for a spread `spread2` (s², or s₁² + s₀²). */
const tau2 = (spread2: number, alpha: number, planned: number): number => (tuningRatio(alpha) * spread2) / planned;

/** Confidence sequence of one mean; the point alone when there is no spread; null below 2 observations. */
export function meanSequence(m: Moments, alpha: number, planned: number): Interval | null {
  const variance = varianceOf(m);
  if (variance === null) return null;
  const estimate = meanOf(m)!;
  if (variance === 0) return { estimate, lo: estimate, hi: estimate };
  const se = Math.sqrt(variance / m.n);
  const half = Math.max(mixtureHalfWidth(se * se, tau2(variance, alpha, planned), alpha), studentTQuantile(1 - alpha / 2, m.n - 1) * se);
  return { estimate, lo: estimate - half, hi: estimate + half };
}

/**
 * The sequence for an estimate with variance V; with `df`, widened to at least the t interval
 * with df degrees of freedom (see the file comment).
 */
function difference(estimate: number, variance: number, spread2: number, alpha: number, planned: number, df?: number): SequentialDifference {
  // No spread on either side: the difference is exactly 0 or certain.
  if (variance === 0) return { difference: estimate, p_value: estimate === 0 ? 1 : 0, ci: [estimate, estimate] };
  const t2 = tau2(spread2, alpha, planned);
  let half = mixtureHalfWidth(variance, t2, alpha);
  let p = mixturePValue(estimate, variance, t2);
  if (df !== undefined) {
    const se = Math.sqrt(variance);
    half = Math.max(half, studentTQuantile(1 - alpha / 2, df) * se);
    p = Math.max(p, studentTTwoSided(estimate / se, df));
  }
  return { difference: estimate, p_value: p, ci: [estimate - half, estimate + half] };
}

/** Difference of two means (Welch's unpooled variance); null unless both sides have 2+ observations. */
export function meanDifferenceSequence(treatment: Moments, control: Moments, alpha: number, planned: number): SequentialDifference | null {
  const v1 = varianceOf(treatment);
  const v0 = varianceOf(control);
  if (v1 === null || v0 === null) return null;
  const [a, b] = [v1 / treatment.n, v0 / control.n];
  // Welch–Satterthwaite degrees of freedom, for the small-sample floor.
  const df = ((a + b) * (a + b)) / ((a * a) / (treatment.n - 1) + (b * b) / (control.n - 1));
  return difference(meanDifference(treatment, control), a + b, v1 + v0, alpha, planned, df);
}

/**
 * Difference of two rates x₁/n₁ − x₀/n₀; null unless both sides have a trial. The variances use
 * (x + 1)/(n + 2) for the rate (as Agresti & Caffo 2000 do) so that no count — 0 of n, n of n —
 * has a zero variance and a spurious certainty.
 */
export function proportionDifferenceSequence(x1: number, n1: number, x0: number, n0: number, alpha: number, planned: number): SequentialDifference | null {
  if (n1 < 1 || n0 < 1) return null;
  const spread = (x: number, n: number): number => {
    const p = (x + 1) / (n + 2);
    return p * (1 - p);
  };
  const [s1, s0] = [spread(x1, n1), spread(x0, n0)];
  return difference(x1 / n1 - x0 / n0, s1 / n1 + s0 / n0, s1 + s0, alpha, planned);
}

/** Bisection for the root of a function that is ≥ 0 at `inside` and < 0 at `outside`. */
function boundary(f: (p: number) => number, inside: number, outside: number): number {
  for (let i = 0; i < 200 && Math.abs(inside - outside) > 1e-15; i++) {
    const mid = (inside + outside) / 2;
    if (f(mid) >= 0) inside = mid;
    else outside = mid;
  }
  return inside;
}

/**
 * Confidence sequence of a rate from x successes in n trials: Robbins' beta-binomial mixture with
 * a uniform prior, {p : B(x + 1, n − x + 1) / (pˣ(1 − p)ⁿ⁻ˣ) < 1/α} (Robbins 1970; Howard et al.
 * 2021). The set is an interval around x/n because ln pˣ(1 − p)ⁿ⁻ˣ is concave; its ends are found
 * by bisection (no library root finder fits a one-line convex function better). Null when n = 0.
 */
export function proportionSequence(x: number, n: number, alpha: number): Interval | null {
  if (n <= 0) return null;
  const estimate = x / n;
  const threshold = logBeta(x + 1, n - x + 1) + Math.log(alpha);
  const logLikelihood = (p: number): number => (x > 0 ? x * Math.log(p) : 0) + (n - x > 0 ? (n - x) * Math.log1p(-p) : 0);
  const f = (p: number): number => logLikelihood(p) - threshold;
  const lo = x === 0 ? 0 : boundary(f, estimate, 0);
  const hi = x === n ? 1 : boundary(f, estimate, 1);
  return { estimate, lo, hi };
}
