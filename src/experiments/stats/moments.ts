/**
 * Count, mean and second central moment of one metric, kept in a form that neither cancels nor
 * drifts at any magnitude the API allows (scores in ±1e9, latencies up to 8.64e7 ms) and that
 * two parts can still be merged into. The Durable Object updates one per event; the report and
 * the tests read them. Pure.
 *
 * Form: { n, shift, mean, m2 } where `shift` is the first value seen, `mean` is the mean of
 * (x − shift) and `m2` = Σ (x − x̄)². Shifting by a value of the data makes x − shift exact
 * (Sterbenz) whenever the data sit within a factor of two of each other, so large offsets with
 * tiny spreads lose nothing; Welford's update then keeps m2 without the cancellation of
 * Σx² − (Σx)²/n. Two parts merge by Chan, Golub & LeVeque's pairwise formula ("Updating
 * formulae and a pairwise algorithm for computing sample variances", Stanford STAN-CS-79-773,
 * 1979): δ = x̄_b − x̄_a, n = n_a + n_b, x̄ = x̄_a + δ·n_b/n, M2 = M2_a + M2_b + δ²·n_a·n_b/n;
 * one observation is the merge with { n: 1, shift: x, mean: 0, m2: 0 }.
 */

export interface Moments {
  /** Number of observations. */
  n: number;
  /** The first observation (0 while n = 0); `mean` is relative to it. */
  shift: number;
  /** Mean of (x − shift). */
  mean: number;
  /** Σ (x − x̄)², the sum of squared deviations from the mean (≥ 0). */
  m2: number;
}

export const EMPTY_MOMENTS: Moments = Object.freeze({ n: 0, shift: 0, mean: 0, m2: 0 });

/** Chan et al.'s pairwise merge; the result keeps a's shift (b's when a is empty). */
export function mergeMoments(a: Moments, b: Moments): Moments {
  if (b.n === 0) return { ...a };
  if (a.n === 0) return { ...b };
  const n = a.n + b.n;
  // b's mean re-expressed relative to a's shift: the difference of shifts is exact when they are close.
  const delta = (b.shift - a.shift + b.mean) - a.mean;
  return {
    n,
    shift: a.shift,
    mean: a.mean + delta * (b.n / n),
    m2: a.m2 + b.m2 + delta * delta * ((a.n * b.n) / n),
  };
}

/** Adds one observation (Welford's update, as the merge with a single value). */
export function observe(m: Moments, x: number): Moments {
  if (m.n === 0) return { n: 1, shift: x, mean: 0, m2: 0 };
  const n = m.n + 1;
  const delta = x - m.shift - m.mean;
  const mean = m.mean + delta / n;
  // δ·(x − x̄_new) = δ²·(n − 1)/n, written as Welford has it.
  return { n, shift: m.shift, mean, m2: m.m2 + delta * (x - m.shift - mean) };
}

/** All of `values`, in order. */
export function momentsOf(values: Iterable<number>): Moments {
  let m: Moments = EMPTY_MOMENTS;
  for (const x of values) m = observe(m, x);
  return m;
}

/**
 * Moments from the former stored form (count, Σx, Σx²), for migrating old counters: the mean
 * becomes the shift and m2 = Σx² − (Σx)²/n clamped at 0. The precision those sums already lost
 * cannot be recovered; everything counted after the conversion is exact again.
 */
export function momentsFromSums(n: number, sum: number, sumSquares: number): Moments {
  if (n === 0) return { ...EMPTY_MOMENTS };
  return { n, shift: sum / n, mean: 0, m2: n > 1 ? Math.max(0, sumSquares - (sum * sum) / n) : 0 };
}

/** The mean, or null without observations. */
export function meanOf(m: Moments): number | null {
  return m.n > 0 ? m.shift + m.mean : null;
}

/** Sample variance m2/(n − 1); null below 2 observations. */
export function varianceOf(m: Moments): number | null {
  return m.n >= 2 ? Math.max(0, m.m2) / (m.n - 1) : null;
}

/** Sample standard deviation; null below 2 observations. */
export function sdOf(m: Moments): number | null {
  const v = varianceOf(m);
  return v === null ? null : Math.sqrt(v);
}

/** mean(a) − mean(b), taking the shifts' difference first so close large means keep their digits. */
export function meanDifference(a: Moments, b: Moments): number {
  return (a.shift - b.shift) + (a.mean - b.mean);
}
