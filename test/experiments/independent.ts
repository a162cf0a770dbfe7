/**
 * Reference computations for the experiment tests that share no code with src/experiments/stats
 * or the library behind it: log-gamma from exact factorial sums and Stirling's series, Simpson
 * integration, the Student t density, the Beta CDF by integration, two-pass means and variances.
 */

/**
 * ln Γ(x) for x > 0: shifted up to ≥ 30 by Γ(x) = Γ(x + 1)/x, then Stirling's series to the 1/x⁷
 * term (error below 1e-16 there; Abramowitz & Stegun 6.1.41).
 */
export function logGamma(x: number): number {
  let shift = 0;
  while (x < 30) {
    shift -= Math.log(x);
    x += 1;
  }
  const series = 1 / (12 * x) - 1 / (360 * x ** 3) + 1 / (1260 * x ** 5) - 1 / (1680 * x ** 7);
  return shift + (x - 0.5) * Math.log(x) - x + 0.5 * Math.log(2 * Math.PI) + series;
}

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

/**
 * The Beta(a, b) CDF as a function, by one cumulative Simpson pass over a fine grid (40,000
 * intervals), linearly interpolated: for checks to ~1e-8, independent of any incomplete beta.
 */
export function betaCdfByIntegration(a: number, b: number): (x: number) => number {
  const steps = 40_000;
  const logB = logGamma(a) + logGamma(b) - logGamma(a + b);
  const density = (x: number) => (x <= 0 || x >= 1 ? 0 : Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log(1 - x) - logB));
  const cdf = new Float64Array(steps + 1);
  const h = 1 / steps;
  for (let i = 1; i <= steps; i++) {
    // Simpson on each interval with its midpoint.
    const x0 = (i - 1) * h;
    cdf[i] = cdf[i - 1]! + (h / 6) * (density(x0) + 4 * density(x0 + h / 2) + density(x0 + h));
  }
  return (x: number) => {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    const at = x * steps;
    const i = Math.floor(at);
    return cdf[i]! + (cdf[i + 1]! - cdf[i]!) * (at - i);
  };
}
