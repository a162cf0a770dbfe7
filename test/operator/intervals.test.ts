/**
 * The dashboard's interval axis: it holds every row, marks the reference, and never leaves the
 * quantity's range — the error-rate axis that ran from −6.3 % to 85.7 % (issue 13) stays in [0, 1].
 */
import { describe, expect, it } from "vitest";
import { chartDomain, interval } from "../../src/operator/dashboard/intervals";

describe("chartDomain", () => {
  it("an error-rate axis stays inside [0, 100 %] (it ran from −6.3 % to 85.7 % with padding)", () => {
    const rows = [{ estimate: 0.1, lo: 0, hi: 0.7936 }, { estimate: 0.05, lo: 0.01, hi: 0.3 }];
    // Without bounds the 8 % padding reaches below 0, as the old chart did.
    expect(chartDomain(rows)![0]).toBeCloseTo(-0.063, 3);
    const [lo, hi] = chartDomain(rows, [0, 1])!;
    expect(lo).toBe(0);
    expect(hi).toBeCloseTo(0.857, 3);
    expect(hi).toBeLessThanOrEqual(1);
    expect(chartDomain([{ estimate: 0.9, lo: 0.5, hi: 1 }], [0, 1])![1]).toBe(1);
  });

  it("holds every row and the reference line, padded by 8 %", () => {
    const [lo, hi] = chartDomain([{ estimate: 0.02, lo: 0.01, hi: 0.03 }], [-1, 1], 0)!;
    expect(lo).toBeCloseTo(-0.0024, 12);
    expect(hi).toBeCloseTo(0.0324, 12);
  });

  it("gives a point, or rows all at a bound, a window that stays inside the bounds; null without rows", () => {
    expect(chartDomain([{ estimate: 5, lo: 5, hi: 5 }])).toEqual([4.5, 5.5]);
    const zero = chartDomain([{ estimate: 0, lo: 0, hi: 0 }], [0, 1])!;
    expect(zero[0]).toBe(0);
    expect(zero[1]).toBeGreaterThan(0);
    expect(zero[1]).toBeLessThanOrEqual(1);
    expect(chartDomain([], [0, 1])).toBeNull();
  });
});

describe("interval", () => {
  it("pairs a report's estimate with its [lo, hi], or null when either is missing", () => {
    expect(interval(0.1, [0.05, 0.2])).toEqual({ estimate: 0.1, lo: 0.05, hi: 0.2 });
    expect(interval(null, [0, 1])).toBeNull();
    expect(interval(0.3, null)).toBeNull();
  });
});
