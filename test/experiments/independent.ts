/**
 * Reference computations for the experiment tests that share no code with src/experiments/stats:
 * Simpson integration, the Student t density, two-pass means and variances.
 */
import { logGamma } from "../../src/experiments/stats/distributions";

/** Composite Simpson's rule with `steps` (even) intervals. */
export function simpson(f: (x: number) => number, a: number, b: number, steps: number): number {
  const h = (b - a) / steps;
  let sum = f(a) + f(b);
  for (let i = 1; i < steps; i++) sum += f(a + i * h) * (i % 2 === 1 ? 4 : 2);
  return (sum * h) / 3;
}

/** Student t density with `df` degrees of freedom (log-gamma is checked against factorials separately). */
export function tDensity(x: number, df: number): number {
  const logC = logGamma((df + 1) / 2) - logGamma(df / 2) - 0.5 * Math.log(df * Math.PI);
  return Math.exp(logC - ((df + 1) / 2) * Math.log(1 + (x * x) / df));
}

/** Two-sided p of a t statistic: 1 − 2∫₀^|t| density. */
export function twoSidedTByIntegration(t: number, df: number): number {
  return 1 - 2 * simpson((x) => tDensity(x, df), 0, Math.abs(t), 200_000);
}

export function meanOf(xs: readonly number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

/** Two-pass sample standard deviation. */
export function sdOf(xs: readonly number[]): number {
  const m = meanOf(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
}

/** Welch's t and df from raw samples, written out directly. */
export function welch(treatment: readonly number[], control: readonly number[]): { t: number; df: number } {
  const a = sdOf(treatment) ** 2 / treatment.length;
  const b = sdOf(control) ** 2 / control.length;
  return { t: (meanOf(treatment) - meanOf(control)) / Math.sqrt(a + b), df: (a + b) ** 2 / (a * a / (treatment.length - 1) + b * b / (control.length - 1)) };
}
