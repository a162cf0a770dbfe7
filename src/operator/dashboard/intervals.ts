/**
 * Intervals as the dashboard draws them, and the axis they share. The intervals themselves come
 * from the report (src/experiments/report.ts): always-valid confidence sequences, so the page may
 * refresh every few seconds without making them wrong. This file only turns them into chart rows
 * and picks an axis that shows them all without leaving the quantity's range — an error rate's
 * axis stays in [0, 100 %], never −6 % to 86 % from padding. Pure; ci-chart.tsx and
 * experiments.tsx call it.
 */

export interface Interval {
  estimate: number;
  lo: number;
  hi: number;
}

/** An estimate and its [lo, hi] from the report; null when either is missing. */
export function interval(estimate: number | null, ci: readonly [number, number] | null): Interval | null {
  return estimate === null || ci === null ? null : { estimate, lo: ci[0], hi: ci[1] };
}

/** Share of the extent added on each side so bars do not touch the frame. */
const PADDING = 0.08;

/**
 * The shared axis [lo, hi]: the rows' extent (and `reference`, e.g. 0 for differences, when given)
 * padded by 8 % each side, then clamped to `bounds` (e.g. [0, 1] for a rate). A point-only extent
 * gets a window of 10 % of its magnitude (1 at zero), clamped the same way. Null without rows.
 */
export function chartDomain(rows: readonly Interval[], bounds: readonly [number, number] = [-Infinity, Infinity], reference?: number): [number, number] | null {
  if (rows.length === 0) return null;
  const values = rows.flatMap((r) => [r.lo, r.hi, r.estimate]);
  if (reference !== undefined) values.push(reference);
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const pad = hi - lo < 1e-12 ? (Math.abs(lo) > 0 ? Math.abs(lo) * 0.1 : 1) : (hi - lo) * PADDING;
  lo = Math.max(bounds[0], lo - pad);
  hi = Math.min(bounds[1], hi + pad);
  // Clamping cannot collapse the axis unless a bound equals the extent on both sides; widen inward then.
  if (hi - lo < 1e-12) hi = lo + pad;
  return [lo, hi];
}
