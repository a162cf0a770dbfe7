/**
 * The statistics module against published values and against independent computations made in
 * the test itself (numeric integration of densities, which shares no code with the library's
 * incomplete beta and gamma functions behind distributions.ts).
 */
import { describe, expect, it } from "vitest";
import {
  chiSquareSurvival,
  logBeta,
  normalCdf,
  normalQuantile,
  studentTCdf,
  studentTQuantile,
  studentTTwoSided,
} from "../../src/experiments/stats/distributions";
import { probabilityFewerErrors, probabilityGreater } from "../../src/experiments/stats/bayes";
import { momentsOf } from "../../src/experiments/stats/moments";
import { chiSquareGoodnessOfFit, twoProportionZTest, welchTTest } from "../../src/experiments/stats/tests";
import { betaCdfByIntegration, logGamma, simpson, tDensity, twoSidedTByIntegration } from "./independent";

describe("distributions: published values", () => {
  it("log-beta: B(2, 3) = 1/12, B(1/2, 1/2) = π, and large arguments", () => {
    expect(logBeta(2, 3)).toBeCloseTo(Math.log(1 / 12), 14);
    expect(logBeta(0.5, 0.5)).toBeCloseTo(Math.log(Math.PI), 14);
    // ln B(1000, 2000) = ln Γ(1000) + ln Γ(2000) − ln Γ(3000), from the factorial sums.
    expect(logBeta(1000, 2000)).toBeCloseTo(logGamma(1000) + logGamma(2000) - logGamma(3000), 8);
  });

  it("t = 2.0 with 10 df: two-sided p ≈ 0.0734", () => {
    expect(studentTTwoSided(2, 10)).toBeCloseTo(0.073388034770741, 10);
    expect(studentTCdf(2, 10)).toBeCloseTo(1 - 0.073388034770741 / 2, 10);
    expect(studentTCdf(-2, 10)).toBeCloseTo(0.073388034770741 / 2, 10);
  });

  it("far tails keep their digits: t = 40 with 500 df is ~1e-160, not 0", () => {
    const p = studentTTwoSided(40, 500);
    expect(p).toBeGreaterThan(0);
    expect(p).toBeLessThan(1e-150);
    // χ² = 160 with 1 df (the SRM test below): Python's math.erfc(math.sqrt(80)) = 1.1314837902432894e-36.
    expect(chiSquareSurvival(160, 1) / 1.1314837902432894e-36).toBeCloseTo(1, 9);
  });

  it("t quantiles: 97.5 % with 10 df is 2.228139, with 1 df (Cauchy) tan(0.475π)", () => {
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.2281388519649, 8);
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(Math.tan(0.475 * Math.PI), 7);
  });

  it("chi-square 3.841459 with 1 df: p = 0.05; 10 with 3 df: p ≈ 0.018566", () => {
    expect(chiSquareSurvival(3.841458820694124, 1)).toBeCloseTo(0.05, 12);
    expect(chiSquareSurvival(10, 3)).toBeCloseTo(0.01856613546304, 11);
    expect(chiSquareSurvival(0, 4)).toBe(1);
  });

  it("normal CDF and quantile: Φ(1.959964) = 0.975, Φ(−8) ≈ 6.22e−16, Φ⁻¹ inverts Φ", () => {
    expect(normalCdf(1.959963984540054)).toBeCloseTo(0.975, 14);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(-8) / 6.220960574271785e-16).toBeCloseTo(1, 9);
    for (const p of [0.001, 0.05, 0.5, 0.9, 0.999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 12);
  });

  it("the t CDF agrees with numeric integration of the t density, including fractional df", () => {
    for (const [t, df] of [[0.7, 2.5], [1.9, 7.3], [-3.1, 30], [2.4, 1]] as const) {
      const integrated = 0.5 + Math.sign(t) * simpson((x) => tDensity(x, df), 0, Math.abs(t), 20_000);
      expect(studentTCdf(t, df)).toBeCloseTo(integrated, 9);
    }
  });
});

describe("tests from counters, against hand computation", () => {
  // Control scores 0.5, 0.7, 0.9: mean 0.7, variance 0.04. Treatment 0.8, 1.0: mean 0.9, variance 0.02.
  const control = momentsOf([0.5, 0.7, 0.9]);
  const treatment = momentsOf([0.8, 1.0]);

  it("Welch: t = 0.2/√(0.02/2 + 0.04/3) = 1.309307, df = 2.882353", () => {
    const r = welchTTest(treatment, control, 0.05)!;
    expect(r.difference).toBeCloseTo(0.2, 12);
    expect(r.statistic).toBeCloseTo(0.2 / Math.sqrt(0.01 + 0.04 / 3), 10);
    const a = 0.01;
    const b = 0.04 / 3;
    expect(r.df).toBeCloseTo((a + b) ** 2 / (a * a / 1 + b * b / 2), 10);
    expect(r.p_value).toBeCloseTo(twoSidedTByIntegration(r.statistic!, r.df!), 7);
    const half = studentTQuantile(0.975, r.df!) * Math.sqrt(a + b);
    expect(r.ci[0]).toBeCloseTo(0.2 - half, 10);
    expect(r.ci[1]).toBeCloseTo(0.2 + half, 10);
  });

  it("Welch needs two samples a side, and a zero spread gives p = 1 (equal) or 0 (different)", () => {
    expect(welchTTest(momentsOf([1]), control, 0.05)).toBeNull();
    expect(welchTTest(momentsOf([1, 1, 1]), momentsOf([1, 1]), 0.05)).toMatchObject({ p_value: 1, statistic: 0 });
    expect(welchTTest(momentsOf([2, 2, 2]), momentsOf([1, 1]), 0.05)).toMatchObject({ p_value: 0, statistic: null });
  });

  it("two proportions 0/2 vs 1/3: pooled z = −0.912871, p = 0.361310", () => {
    const r = twoProportionZTest(0, 2, 1, 3, 0.05)!;
    expect(r.difference).toBeCloseTo(-1 / 3, 12);
    expect(r.statistic).toBeCloseTo(-(1 / 3) / Math.sqrt(0.2 * 0.8 * (1 / 2 + 1 / 3)), 10);
    // Python: math.erfc(0.9128709291752767 / math.sqrt(2)) = 0.3613104285261789
    expect(r.p_value).toBeCloseTo(0.3613104285261789, 12);
    // Wald interval: −1/3 ± 1.959964·√(0 + (1/3)(2/3)/3).
    const half = 1.959963984540054 * Math.sqrt((1 / 3) * (2 / 3) / 3);
    expect(r.ci[0]).toBeCloseTo(-1 / 3 - half, 9);
    expect(r.ci[1]).toBeCloseTo(-1 / 3 + half, 9);
  });

  it("two proportions, large samples: 120/1000 vs 80/1000 gives z = 2.981424, p = erfc(z/√2) = 0.00286911", () => {
    const r = twoProportionZTest(120, 1000, 80, 1000, 0.05)!;
    const pooled = 0.1;
    const z = 0.04 / Math.sqrt(pooled * 0.9 * 0.002);
    expect(r.statistic).toBeCloseTo(z, 10);
    expect(r.p_value).toBeCloseTo(2 * (1 - normalCdf(z)), 12);
    // Python: math.erfc(2.9814239699997196 / math.sqrt(2)) = 0.00286911279207662
    expect(r.p_value).toBeCloseTo(0.00286911279207662, 12);
  });

  it("chi-square goodness of fit: [3, 2] against [0.5, 0.5] is 0.2 with 1 df (p = 0.654721)", () => {
    expect(chiSquareGoodnessOfFit([3, 2], [0.5, 0.5])).toMatchObject({ statistic: 0.2, df: 1 });
    expect(chiSquareGoodnessOfFit([3, 2], [0.5, 0.5])!.p_value).toBeCloseTo(0.654721, 6);
    // 600/400 against a 50/50 split is a glaring mismatch.
    expect(chiSquareGoodnessOfFit([600, 400], [0.5, 0.5])!.p_value).toBeLessThan(1e-9);
    expect(chiSquareGoodnessOfFit([0, 0], [0.5, 0.5])).toBeNull();
    expect(chiSquareGoodnessOfFit([5, 1], [1, 0])).toMatchObject({ statistic: null, p_value: 0 });
    // A paused cell (share 0, no counts) drops out; shares missing 1 by the tolerance are normalised.
    expect(chiSquareGoodnessOfFit([3, 2, 0], [0.5, 0.5, 0])).toMatchObject({ statistic: 0.2, df: 1 });
    expect(chiSquareGoodnessOfFit([500, 500], [0.4999995, 0.5])!.statistic).toBeCloseTo(0, 9);
  });
});

describe("Bayesian P(X1 > X2) for Beta posteriors", () => {
  it("matches closed forms: uniform vs uniform 1/2, Beta(2,1) vs uniform 2/3, Beta(2,3) vs Beta(1,3) 5/7", () => {
    expect(probabilityGreater(1, 1, 1, 1)).toBeCloseTo(0.5, 12);
    expect(probabilityGreater(2, 1, 1, 1)).toBeCloseTo(2 / 3, 12);
    expect(probabilityGreater(2, 3, 1, 3)).toBeCloseTo(5 / 7, 12);
    // Control 1 error in 3, treatment 0 in 2: P(treatment's rate is lower) = P(Beta(2,3) > Beta(1,3)).
    expect(probabilityFewerErrors({ errors: 0, n: 2 }, { errors: 1, n: 3 })).toBeCloseTo(5 / 7, 12);
  });

  it("every summation order agrees with numeric integration on larger counts", () => {
    const cases: Array<[number, number, number, number]> = [[31, 71, 21, 81], [71, 31, 81, 21], [5, 400, 9, 380], [400, 5, 380, 9]];
    for (const [a1, b1, a2, b2] of cases) {
      // P(X1 > X2) = ∫ f1(x) · F2(x) dx, with F2 itself integrated numerically.
      const f = (a: number, b: number) => (x: number) => Math.exp((a - 1) * Math.log(x) + (b - 1) * Math.log(1 - x) - (logGamma(a) + logGamma(b) - logGamma(a + b)));
      const F2 = betaCdfByIntegration(a2, b2);
      const integrated = simpson((x) => f(a1, b1)(x) * F2(x), 1e-12, 1 - 1e-12, 40_000);
      expect(probabilityGreater(a1, b1, a2, b2)).toBeCloseTo(integrated, 7);
    }
  });

  it("is deterministic and sums to one with its mirror", () => {
    const p = probabilityGreater(130, 870, 110, 890);
    expect(probabilityGreater(130, 870, 110, 890)).toBe(p);
    expect(p + probabilityGreater(110, 890, 130, 870)).toBeCloseTo(1, 10);
  });
});
