/**
 * The counters' moments against an exact reference (exact.ts: BigInt arithmetic on the doubles'
 * exact values) on adversarial data — large offsets with tiny spreads, values at the API's
 * limits, mixed magnitudes and signs — both counted one at a time and merged from parts; and the
 * cases of issue 13 where sums of squares reported a standard deviation of 0 or 14.68.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countEvent, latencyMoments, scoreMoments, zeroCounters } from "../../src/experiments/counters";
import { EMPTY_MOMENTS, meanOf, mergeMoments, momentsFromSums, momentsOf, sdOf, varianceOf, type Moments } from "../../src/experiments/stats/moments";
import { welchTTest } from "../../src/experiments/stats/tests";
import { studentTTwoSided } from "../../src/experiments/stats/distributions";
import { exactMoments } from "./exact";
import { prng } from "../support/synthetic";

const rand = prng(20261130);
const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
const draw = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/** Relative error of a against the reference b (absolute when b is 0). */
const relative = (a: number, b: number) => (b === 0 ? Math.abs(a) : Math.abs(a - b) / Math.abs(b));

/**
 * The variance agrees with the exact value to within `tolerance` relative error; the mean to within
 * 1e-15 of the data's largest magnitude (a mean near 0 of values near ±1e9 is only that well
 * defined in doubles, whatever the algorithm).
 */
function expectExact(m: Moments, xs: readonly number[], tolerance: number): void {
  const exact = exactMoments(xs);
  const scale = Math.max(...xs.map(Math.abs));
  expect(m.n).toBe(xs.length);
  expect(Math.abs(meanOf(m)! - exact.mean), `mean ${meanOf(m)} vs ${exact.mean}`).toBeLessThanOrEqual(1e-15 * scale);
  expect(relative(varianceOf(m)!, exact.variance), `variance ${varianceOf(m)} vs ${exact.variance}`).toBeLessThanOrEqual(tolerance);
}

const ADVERSARIAL: Array<[string, number[]]> = [
  ["scores near 999,999,999 with sd 0.05 (issue 13)", draw(20, () => 999_999_999 + 0.05 * normal())],
  ["scores at the −1e9 limit with sd 1e-6", draw(1000, () => -1e9 + 1e-6 * Math.abs(normal()))],
  ["latencies just under the 86,400,000 ms limit, sd 3 ms", draw(1000, () => Math.min(86_400_000, 86_399_990 + 3 * normal()))],
  ["100,000 values at 1e9 − 1 with sd 0.05", draw(100_000, () => 999_999_999 + 0.05 * normal())],
  ["mixed magnitudes: 1e-3 and 1e9 alternating", draw(1000, (i) => (i % 2 ? 1e9 - 1 : 1e-3 * rand()))],
  ["one huge first value, then values near 0.5", draw(1000, (i) => (i === 0 ? 1e9 : 0.5 + 0.01 * normal()))],
  ["signs alternating at ±1e9 with unit noise", draw(1000, (i) => (i % 2 ? -1 : 1) * 1e9 + normal())],
  ["tiny values: 1e-9 with relative spread 1e-6", draw(1000, () => 1e-9 * (1 + 1e-6 * normal()))],
  ["a slow drift from 0 to 1e9", draw(2000, (i) => i * 5e5 + normal())],
];

describe("moments against an exact reference", () => {
  it.each(ADVERSARIAL)("%s: counted one by one", (_, xs) => {
    expectExact(momentsOf(xs), xs, 1e-12);
  });

  it.each(ADVERSARIAL)("%s: merged from uneven parts", (_, xs) => {
    const cuts = [0, 1, Math.floor(xs.length / 3), xs.length - 1, xs.length];
    const parts = cuts.slice(1).map((end, i) => momentsOf(xs.slice(cuts[i], end)));
    expectExact(parts.reduce(mergeMoments, EMPTY_MOMENTS), xs, 1e-12);
    // Merging in the other order starts from another shift and must agree as well.
    expectExact([...parts].reverse().reduce(mergeMoments, EMPTY_MOMENTS), [...xs].reverse(), 1e-12);
  });

  it("any split of any data merges to the exact moments (property, 200 runs)", () => {
    const value = fc.oneof(
      fc.double({ min: -1e9, max: 1e9, noNaN: true }),
      fc.double({ min: 999_999_998, max: 1e9, noNaN: true }),
      fc.double({ min: -1e-6, max: 1e-6, noNaN: true }),
    );
    fc.assert(
      fc.property(fc.array(value, { minLength: 2, maxLength: 60 }), fc.nat(), (xs, cut) => {
        const at = cut % (xs.length + 1);
        const merged = mergeMoments(momentsOf(xs.slice(0, at)), momentsOf(xs.slice(at)));
        const exact = exactMoments(xs);
        const scale = Math.max(...xs.map(Math.abs));
        // Absolute bounds in the data's own scale: the reference variance may be exactly 0.
        expect(Math.abs(meanOf(merged)! - exact.mean)).toBeLessThanOrEqual(4e-16 * scale);
        expect(Math.abs(varianceOf(merged)! - exact.variance)).toBeLessThanOrEqual(1e-12 * Math.max(exact.variance, 1e-20 * scale * scale));
      }),
      { numRuns: 200, seed: 13 },
    );
  });

  it("constant data has a variance of exactly 0 at any magnitude", () => {
    for (const x of [999_999_999.123, -1e9, 86_400_000, 1e-300]) expect(varianceOf(momentsOf(Array(50).fill(x)))).toBe(0);
  });

  it("old sums convert to the same mean and variance (what migration keeps)", () => {
    const xs = [100, 200, 300];
    const m = momentsFromSums(3, 600, 140_000);
    expect(meanOf(m)).toBe(200);
    expect(varianceOf(m)).toBeCloseTo(10_000, 9);
    expect(momentsFromSums(0, 0, 0)).toEqual(EMPTY_MOMENTS);
    expect(varianceOf(mergeMoments(m, momentsOf([400])))).toBeCloseTo(exactMoments([...xs, 400]).variance, 9);
  });
});

describe("issue 13's cases through the Durable Object's counting", () => {
  const counted = (scores: number[], latencies: number[]) =>
    scores.reduce((c, score, i) => countEvent(c, { score, latency_ms: latencies[i]!, error: false }), zeroCounters("v"));

  it("20 scores per arm near 999,999,999 (sd ≈ 0.05): exact standard deviations and Welch test", () => {
    const control = draw(20, () => 999_999_999 + 0.05 * normal());
    const treatment = draw(20, () => 999_999_999 + 0.02 + 0.05 * normal());
    const latencies = draw(20, () => 86_399_000 + 50 * normal());
    const [c, t] = [counted(control, latencies), counted(treatment, latencies)];
    for (const [counters, xs] of [[c, control], [t, treatment]] as const) {
      const sd = sdOf(scoreMoments(counters))!;
      expect(relative(sd, Math.sqrt(exactMoments(xs).variance))).toBeLessThan(1e-12);
      expect(sd).toBeGreaterThan(0.02);
      expect(sd).toBeLessThan(0.09);
      // Latencies near the 86,400,000 ms limit keep their spread too (sums of squares gave 0).
      expect(relative(sdOf(latencyMoments(counters))!, Math.sqrt(exactMoments(latencies).variance))).toBeLessThan(1e-12);
    }
    // Welch from the exact moments, with the same t distribution.
    const [ec, et] = [exactMoments(control), exactMoments(treatment)];
    const se = Math.sqrt(et.variance / 20 + ec.variance / 20);
    const tStat = (et.mean - ec.mean) / se;
    const df = se ** 4 / ((et.variance / 20) ** 2 / 19 + (ec.variance / 20) ** 2 / 19);
    const welch = welchTTest(scoreMoments(t), scoreMoments(c), 0.05)!;
    expect(relative(welch.statistic!, tStat)).toBeLessThan(1e-8);
    expect(relative(welch.p_value, studentTTwoSided(tStat, df))).toBeLessThan(1e-7);
  });
});
