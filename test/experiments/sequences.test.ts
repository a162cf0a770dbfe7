/**
 * The always-valid machinery: the normal-mixture boundary against its defining equation, the
 * p-values against the intervals, the tuning against a numeric minimisation, the beta-binomial
 * sequence against its martingale (coverage over whole monitored paths), and the price paid
 * against a fixed-horizon interval (the numbers docs/experiments.md quotes).
 */
import { describe, expect, it } from "vitest";
import { logBeta, normalQuantile } from "../../src/experiments/stats/distributions";
import { logMixtureRatio, mixtureHalfWidth, mixturePValue, tuningRatio } from "../../src/experiments/stats/mixture";
import { momentsOf } from "../../src/experiments/stats/moments";
import { meanDifferenceSequence, meanSequence, proportionDifferenceSequence, proportionSequence } from "../../src/experiments/stats/sequences";
import { prng } from "../support/synthetic";

describe("normal-mixture boundary", () => {
  it("the half-width is where the mixture ratio reaches 1/α", () => {
    for (const [variance, tau2, alpha] of [[1, 1, 0.05], [1e-4, 3e-3, 0.025], [2.5e-9, 1e-9, 0.001]] as const) {
      const half = mixtureHalfWidth(variance, tau2, alpha);
      expect(logMixtureRatio(half, variance, tau2)).toBeCloseTo(Math.log(1 / alpha), 10);
      expect(mixturePValue(half, variance, tau2)).toBeCloseTo(alpha, 12);
    }
  });

  it("p < α exactly when the interval excludes 0 (random cases)", () => {
    const rand = prng(7);
    for (let i = 0; i < 2000; i++) {
      const variance = 10 ** (-6 * rand());
      const tau2 = variance * 10 ** (4 * rand() - 1);
      const distance = (rand() - 0.5) * 10 * Math.sqrt(variance);
      const alpha = 0.001 + 0.1 * rand();
      const excluded = Math.abs(distance) > mixtureHalfWidth(variance, tau2, alpha);
      expect(mixturePValue(distance, variance, tau2) < alpha).toBe(excluded);
    }
    expect(mixturePValue(0, 1, 1)).toBe(1);
  });

  it("the tuning ratio gives a width within 0.01 % of the narrowest at the planned look", () => {
    for (const alpha of [0.001, 0.0125, 0.025, 0.05]) {
      const width = (r: number) => mixtureHalfWidth(1, r, alpha);
      let best = Infinity;
      for (let r = 0.5; r < 50; r += 0.001) best = Math.min(best, width(r));
      expect(width(tuningRatio(alpha)) / best).toBeLessThan(1.0001);
    }
  });

  it("what it costs: 1.46× a fixed-horizon interval at min_samples, 1.60× at 25× min_samples (α = 0.025)", () => {
    // Two arms of sd 1 with n per arm: V = 2/n; tuned for n = planned = 200.
    const planned = 200;
    const ratio = (n: number) => {
      const sequence = meanDifferenceSequence(fakeMoments(n, 1), fakeMoments(n, 1), 0.025, planned)!;
      return (sequence.ci[1] - sequence.difference) / (normalQuantile(1 - 0.025 / 2) * Math.sqrt(2 / n));
    };
    expect(ratio(planned)).toBeCloseTo(1.463, 3);
    expect(ratio(25 * planned)).toBeCloseTo(1.603, 3);
  });
});

/** Moments with mean 0, sample variance `variance` and n observations. */
function fakeMoments(n: number, variance: number) {
  return { n, shift: 0, mean: 0, m2: variance * (n - 1) };
}

describe("sequences of means and differences", () => {
  it("a mean's sequence is mean ± the boundary with V = s²/n and τ² = r*·s²/planned", () => {
    // 40 values 0.5, 0.6, …, 0.9 repeated: mean 0.7, variance 0.02·40/39.
    const xs = Array.from({ length: 40 }, (_, i) => 0.5 + (i % 5) / 10);
    const variance = (0.02 * 40) / 39;
    const iv = meanSequence(momentsOf(xs), 0.05, 40)!;
    const half = mixtureHalfWidth(variance / 40, tuningRatio(0.05) * variance / 40, 0.05);
    expect(iv.estimate).toBeCloseTo(0.7, 14);
    expect(iv.hi - 0.7).toBeCloseTo(half, 12);
    expect(0.7 - iv.lo).toBeCloseTo(half, 12);
    // With 3 values the one-look t interval is wider (t₀.₉₇₅,₂ = 0.95/√(2·0.975·0.025)): the sequence takes it.
    const few = meanSequence(momentsOf([0.5, 0.7, 0.9]), 0.05, 3)!;
    expect(few.hi - 0.7).toBeCloseTo((0.95 / Math.sqrt(2 * 0.975 * 0.025)) * Math.sqrt(0.04 / 3), 9);
    expect(mixtureHalfWidth(0.04 / 3, (tuningRatio(0.05) * 0.04) / 3, 0.05)).toBeLessThan(few.hi - 0.7);
    expect(meanSequence(momentsOf([1]), 0.05, 5)).toBeNull();
    expect(meanSequence(momentsOf([3, 3, 3]), 0.05, 5)).toEqual({ estimate: 3, lo: 3, hi: 3 });
  });

  it("differences: null without data, exact 0 or certain without spread, never certain for counts", () => {
    expect(meanDifferenceSequence(momentsOf([1]), momentsOf([1, 2]), 0.05, 10)).toBeNull();
    expect(meanDifferenceSequence(momentsOf([2, 2]), momentsOf([2, 2, 2]), 0.05, 10)).toMatchObject({ p_value: 1, ci: [0, 0] });
    expect(meanDifferenceSequence(momentsOf([3, 3]), momentsOf([2, 2, 2]), 0.05, 10)).toMatchObject({ p_value: 0, ci: [1, 1] });
    expect(proportionDifferenceSequence(0, 0, 1, 10, 0.05, 10)).toBeNull();
    // 0 of 5 against 5 of 5 would have a zero plug-in variance; (x + 1)/(n + 2) keeps it honest.
    const extreme = proportionDifferenceSequence(0, 5, 5, 5, 0.05, 10)!;
    expect(extreme.difference).toBe(-1);
    expect(extreme.p_value).toBeGreaterThan(0);
    expect(extreme.ci[1]).toBeGreaterThan(-1);
  });
});

describe("beta-binomial sequence of a rate", () => {
  /** ln of the mixture martingale at p: B(x + 1, n − x + 1) / (pˣ(1 − p)ⁿ⁻ˣ). */
  const logMartingale = (x: number, n: number, p: number) => logBeta(x + 1, n - x + 1) - x * Math.log(p) - (n - x) * Math.log1p(-p);

  it("its ends are where the martingale reaches 1/α, inside [0, 1], around x/n", () => {
    for (const [x, n] of [[3, 10], [10, 200], [250, 5000], [1, 1000], [999, 1000]] as const) {
      const iv = proportionSequence(x, n, 0.05)!;
      expect(iv.estimate).toBe(x / n);
      expect(iv.lo).toBeGreaterThan(0);
      expect(iv.hi).toBeLessThan(1);
      expect(iv.lo).toBeLessThan(x / n);
      expect(iv.hi).toBeGreaterThan(x / n);
      expect(logMartingale(x, n, iv.lo)).toBeCloseTo(Math.log(20), 6);
      expect(logMartingale(x, n, iv.hi)).toBeCloseTo(Math.log(20), 6);
    }
    expect(proportionSequence(0, 50, 0.05)).toMatchObject({ estimate: 0, lo: 0 });
    expect(proportionSequence(50, 50, 0.05)).toMatchObject({ estimate: 1, hi: 1 });
    expect(proportionSequence(0, 0, 0.05)).toBeNull();
  });

  it("is wider than the fixed-n Wilson interval on the same counts (the price of always-valid)", () => {
    const z = normalQuantile(0.975);
    for (const [x, n] of [[10, 100], [250, 5000]] as const) {
      const p = x / n;
      const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
      const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
      const iv = proportionSequence(x, n, 0.05)!;
      expect(iv.lo).toBeLessThan(centre - half);
      expect(iv.hi).toBeGreaterThan(centre + half);
    }
  });

  it("covers the true rate at every look of 2,000 monitored paths of 2,000 trials at least 1 − α of the time", () => {
    const rand = prng(2026);
    const alpha = 0.05;
    let missed = 0;
    for (let path = 0; path < 2000; path++) {
      // ln B(x + 1, n − x + 1) = ln(x!(n − x)!/(n + 1)!), carried along the path one trial at a time.
      let x = 0;
      let logB = 0;
      for (let n = 1; n <= 2000; n++) {
        const success = rand() < 0.05;
        logB += Math.log(success ? x + 1 : n - x) - Math.log(n + 1);
        if (success) x++;
        // Outside the sequence exactly when the martingale at the true rate has reached 1/α (checked above).
        if (logB - x * Math.log(0.05) - (n - x) * Math.log(0.95) >= Math.log(1 / alpha)) {
          missed++;
          break;
        }
      }
    }
    expect(missed).toBeGreaterThan(0);
    // Monte Carlo standard error at α: √(0.05·0.95/2000) = 0.49 %; allow three of them.
    expect(missed / 2000).toBeLessThanOrEqual(alpha + 3 * Math.sqrt((alpha * (1 - alpha)) / 2000));
    // And the sequence itself agrees with that criterion at the last look of a path.
    const iv = proportionSequence(97, 2000, alpha)!;
    expect(iv.lo <= 0.05 && 0.05 <= iv.hi).toBe(logMartingale(97, 2000, 0.05) < Math.log(1 / alpha));
  });
});
