/** The dashboard's confidence intervals against published values. */
import { describe, expect, it } from "vitest";
import { meanInterval, wilsonInterval } from "../../src/operator/dashboard/intervals";

describe("wilsonInterval", () => {
  it("matches the textbook Wilson interval (10 of 100 at 95 %: 0.0552 to 0.1744)", () => {
    const iv = wilsonInterval(10, 100, 0.95)!;
    expect(iv.estimate).toBe(0.1);
    expect(iv.lo).toBeCloseTo(0.05523, 4);
    expect(iv.hi).toBeCloseTo(0.17437, 4);
  });

  it("stays inside [0, 1] and has width at 0 of n, and is null without samples", () => {
    const none = wilsonInterval(0, 20, 0.95)!;
    expect(none.lo).toBe(0);
    expect(none.hi).toBeCloseTo(0.16113, 4);
    const all = wilsonInterval(20, 20, 0.95)!;
    expect(all.hi).toBe(1);
    expect(all.lo).toBeCloseTo(0.83887, 4);
    expect(wilsonInterval(0, 0, 0.95)).toBeNull();
  });
});

describe("meanInterval", () => {
  it("is mean ± t(0.975, n−1)·sd/√n (n = 10, sd = 2: ± 1.4307)", () => {
    const iv = meanInterval(10, 5, 2, 0.95)!;
    expect(iv.hi - 5).toBeCloseTo((2.262157 * 2) / Math.sqrt(10), 5);
    expect(5 - iv.lo).toBeCloseTo(iv.hi - 5, 12);
  });

  it("narrows as the confidence level drops, is the point alone below two samples, null without a mean", () => {
    expect(meanInterval(10, 5, 2, 0.9)!.hi).toBeLessThan(meanInterval(10, 5, 2, 0.95)!.hi);
    expect(meanInterval(1, 7, null, 0.95)).toEqual({ estimate: 7, lo: 7, hi: 7 });
    expect(meanInterval(0, null, null, 0.95)).toBeNull();
  });
});
