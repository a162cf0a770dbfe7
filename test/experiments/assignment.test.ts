/**
 * Sticky assignment: the FNV-1a test vectors, golden values of the two-round hash computed by an
 * independent Python implementation, and a chi-square test that 100,000 unit ids land within the
 * split.
 */
import { describe, expect, it } from "vitest";
import { assignVariant, fnv1a32, unitHash, unitPosition, variantIndex } from "../../src/experiments/assignment";
import { chiSquareGoodnessOfFit } from "../../src/experiments/stats/tests";

describe("hash", () => {
  it("FNV-1a 32-bit matches the published test vectors", () => {
    expect(fnv1a32("")).toBe(0x811c9dc5);
    expect(fnv1a32("a")).toBe(0xe40c292c);
    expect(fnv1a32("foobar")).toBe(0xbf9cf968);
  });

  it("the two-round unit hash matches an offline reproduction (docs/experiments.md), UTF-8 included", () => {
    // def fnv(b): h = 0x811c9dc5; [h := ((h ^ x) * 0x01000193) & 0xffffffff for x in b]; return h
    // fnv(str(fnv(f"{experiment}:{unit}".encode())).encode())
    expect(unitHash("exp-1", "user-42")).toBe(3519873026);
    expect(unitHash("canary-code-v2", "7c9e6679-7425-40de-944b-e07fc1f90ae7")).toBe(2614381849);
    expect(unitHash("exp-ü", "ünït")).toBe(2817667380);
    expect(unitPosition("exp-1", "user-42")).toBeCloseTo(0.8195343022234738, 15);
  });
});

describe("variant from position", () => {
  it("walks the cumulative split; the last interval runs to 1", () => {
    expect(variantIndex([0.9, 0.1], 0)).toBe(0);
    expect(variantIndex([0.9, 0.1], 0.8999)).toBe(0);
    expect(variantIndex([0.9, 0.1], 0.9)).toBe(1);
    expect(variantIndex([0.2, 0.3, 0.5], 0.49)).toBe(1);
    expect(variantIndex([1 / 3, 1 / 3, 1 / 3], 0.9999999999)).toBe(2);
    // A zero share never receives a unit.
    expect(variantIndex([0.5, 0, 0.5], 0.5)).toBe(2);
  });

  it("a paused variant (share 0) gets no position at any boundary, even past the sum of the shares (issue 13)", () => {
    const last = (2 ** 32 - 1) / 2 ** 32;
    // Sums to 0.9999995, inside the 1e-6 tolerance; positions ≥ 0.9999995 used to land in the paused arm.
    const split = [0.4999995, 0.5, 0];
    for (const position of [0, 0.4999994, 0.4999995, 0.5, 0.9999994, 0.9999995, 0.9999999, last]) {
      expect(variantIndex(split, position), `position ${position}`).not.toBe(2);
    }
    // The shares are honoured as given: the boundary sits at 0.4999995 / 0.9999995.
    const boundary = 0.4999995 / 0.9999995;
    expect(variantIndex(split, boundary - 1e-12)).toBe(0);
    expect(variantIndex(split, boundary + 1e-12)).toBe(1);
    // Paused first, middle and last; and every position of a fine grid.
    for (const shares of [[0, 0.5, 0.5], [0.5, 0, 0.5], [0.3, 0.7, 0], [0, 1, 0], [0.2, 0, 0, 0.8, 0], [0.1, 0.2, 0.2, 0.2, 0.2, 0.0999995, 0]]) {
      for (let i = 0; i <= 10_000; i++) {
        const position = Math.min(last, i / 10_000);
        expect(shares[variantIndex(shares, position)]!, `${shares} at ${position}`).toBeGreaterThan(0);
      }
      expect(shares[variantIndex(shares, last)]!).toBeGreaterThan(0);
    }
  });

  it("real unit hashes never reach a paused variant, and the active ones get their shares", () => {
    const split = [0.4999995, 0.5, 0];
    const counts = [0, 0, 0];
    for (let i = 0; i < 100_000; i++) counts[assignVariant("exp-paused", `user-${i}`, split)]!++;
    expect(counts[2]).toBe(0);
    expect(chiSquareGoodnessOfFit(counts, split)!.p_value).toBeGreaterThan(0.001);
  });

  it("with shares summing to exactly 1 it is the plain cumulative rule, so existing assignments stay put", () => {
    for (const split of [[0.5, 0.5], [0.9, 0.1], [0.2, 0.3, 0.5]]) {
      for (let i = 0; i < 2000; i++) {
        const position = unitPosition("exp-stable", `u${i}`);
        let cumulative = 0;
        let plain = split.length - 1;
        for (let k = 0; k < split.length - 1; k++) {
          cumulative += split[k]!;
          if (position < cumulative) {
            plain = k;
            break;
          }
        }
        expect(variantIndex(split, position)).toBe(plain);
      }
    }
  });

  it("is stable: the same unit gets the same variant on every call, and another experiment reshuffles", () => {
    const split = [0.5, 0.5];
    const first = Array.from({ length: 200 }, (_, i) => assignVariant("exp-stable", `u${i}`, split));
    const again = Array.from({ length: 200 }, (_, i) => assignVariant("exp-stable", `u${i}`, split));
    expect(again).toEqual(first);
    const other = Array.from({ length: 200 }, (_, i) => assignVariant("exp-other", `u${i}`, split));
    expect(other).not.toEqual(first);
  });
});

describe("100,000 unit ids land within the split (chi-square, p > 0.001)", () => {
  const units = (prefix: string) => Array.from({ length: 100_000 }, (_, i) => `${prefix}${i}`);
  it.each([
    ["50/50, sequential ids", "exp-a", [0.5, 0.5], units("user-")],
    ["90/10 canary, uuid-like ids", "canary-code-v2-1a2b3c4d", [0.9, 0.1], units("7c9e6679-7425-40de-944b-").map((u) => u.padEnd(36, "0"))],
    ["20/30/50", "exp-three", [0.2, 0.3, 0.5], units("session:")],
    ["ten equal arms", "exp-ten", Array(10).fill(0.1), units("")],
  ])("%s", (_, experiment, split, ids) => {
    const counts = split.map(() => 0);
    for (const id of ids) counts[assignVariant(experiment, id, split)]!++;
    const test = chiSquareGoodnessOfFit(counts, split)!;
    expect(test.p_value).toBeGreaterThan(0.001);
    expect(counts.reduce((s, n) => s + n, 0)).toBe(100_000);
  });
});
