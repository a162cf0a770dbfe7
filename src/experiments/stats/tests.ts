/**
 * The fixed-horizon tests of the experiment report, computed from the counters the Durable Object
 * stores (moments.ts): Welch's t-test, the two-proportion z-test and a chi-square goodness-of-fit
 * test (the sample-ratio-mismatch check). Welch and z are valid at one look planned in advance
 * only; the report shows them beside the always-valid sequences.ts, which decide the winner.
 * Pure; report.ts calls them.
 */
import { chiSquareSurvival, normalCdf, normalQuantile, studentTQuantile, studentTTwoSided } from "./distributions";
import { meanDifference, varianceOf, type Moments } from "./moments";

/** A two-sided test of treatment − control, with a (1 − alpha) confidence interval of the difference. */
export interface TestResult {
  difference: number;
  /** t or z; null when the standard error is 0 and the difference is not (an infinite statistic). */
  statistic: number | null;
  /** Degrees of freedom (Welch only). */
  df: number | null;
  p_value: number;
  ci: [number, number];
}

/** Result when the standard error is 0: no spread, so the difference is either exactly 0 or certain. */
function degenerate(difference: number, df: number | null): TestResult {
  return { difference, statistic: difference === 0 ? 0 : null, df, p_value: difference === 0 ? 1 : 0, ci: [difference, difference] };
}

/** Welch's unequal-variance t-test on means; null unless both sides have 2+ samples. */
export function welchTTest(treatment: Moments, control: Moments, alpha: number): TestResult | null {
  const v1 = varianceOf(treatment);
  const v0 = varianceOf(control);
  if (v1 === null || v0 === null) return null;
  const difference = meanDifference(treatment, control);
  const a = v1 / treatment.n;
  const b = v0 / control.n;
  const se = Math.sqrt(a + b);
  if (se === 0) return degenerate(difference, null);
  // Welch–Satterthwaite degrees of freedom.
  const df = ((a + b) * (a + b)) / ((a * a) / (treatment.n - 1) + (b * b) / (control.n - 1));
  const t = difference / se;
  const q = studentTQuantile(1 - alpha / 2, df);
  return { difference, statistic: t, df, p_value: studentTTwoSided(t, df), ci: [difference - q * se, difference + q * se] };
}

/**
 * Two-proportion z-test of x1/n1 − x0/n0: pooled standard error for the p-value, unpooled for
 * the (Wald) confidence interval. Null unless both sides have at least one trial.
 */
export function twoProportionZTest(x1: number, n1: number, x0: number, n0: number, alpha: number): TestResult | null {
  if (n1 < 1 || n0 < 1) return null;
  const p1 = x1 / n1;
  const p0 = x0 / n0;
  const difference = p1 - p0;
  const pooled = (x1 + x0) / (n1 + n0);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n0));
  if (sePooled === 0) return degenerate(difference, null);
  const z = difference / sePooled;
  const seWald = Math.sqrt((p1 * (1 - p1)) / n1 + (p0 * (1 - p0)) / n0);
  const q = normalQuantile(1 - alpha / 2);
  return { difference, statistic: z, df: null, p_value: 2 * normalCdf(-Math.abs(z)), ci: [difference - q * seWald, difference + q * seWald] };
}

export interface ChiSquareResult {
  /** null when a cell with expected share 0 has observations (the mismatch is certain). */
  statistic: number | null;
  df: number;
  p_value: number;
}

/**
 * Pearson's goodness-of-fit of counts to expected shares (normalised to sum to 1, since a split
 * may miss 1 by its tolerance); cells with share 0 and no counts drop out. Null when there are no
 * counts.
 */
export function chiSquareGoodnessOfFit(observed: readonly number[], shares: readonly number[]): ChiSquareResult | null {
  const total = observed.reduce((s, o) => s + o, 0);
  if (total === 0) return null;
  const shareSum = shares.reduce((s, x) => s + x, 0);
  let statistic = 0;
  let cells = 0;
  for (let i = 0; i < observed.length; i++) {
    const expected = (total * shares[i]!) / shareSum;
    if (expected === 0) {
      if (observed[i]! > 0) return { statistic: null, df: Math.max(0, observed.length - 1), p_value: 0 };
      continue;
    }
    statistic += (observed[i]! - expected) ** 2 / expected;
    cells++;
  }
  const df = cells - 1;
  return { statistic, df, p_value: df > 0 ? chiSquareSurvival(statistic, df) : 1 };
}
