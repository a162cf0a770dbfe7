/**
 * MetricDeltas (pre-resolved series, histogram bucket by binary search) against the per-call
 * implementation it replaced, kept here as the oracle: for the same calls both must drain the
 * same series in the same order with the same values, and the exposition written from them must
 * be byte-identical. Random call sequences (fast-check) over the real catalog families, label
 * values from small pools so series repeat, irregular label sets, and values on, between and
 * beyond the bucket bounds (NaN and infinities included).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { STORED, type MetricFamily } from "../../src/operator/metrics/catalog";
import { MetricDeltas } from "../../src/operator/metrics/deltas";
import { renderExposition } from "../../src/operator/metrics/exposition";
import { labelKey, type Series } from "../../src/operator/metrics/series";

/** The former implementation, verbatim in behaviour: a string key per series, every bucket visited. */
class OracleDeltas {
  private readonly series = new Map<string, Series>();
  count(family: MetricFamily, labels: Record<string, string>, by = 1): void {
    this.add(family.name, labels, by);
  }
  observe(family: MetricFamily, labels: Record<string, string>, value: number): void {
    for (const bound of family.buckets ?? []) {
      if (value <= bound) this.add(`${family.name}_bucket`, { ...labels, le: String(bound) }, 1);
    }
    this.add(`${family.name}_bucket`, { ...labels, le: "+Inf" }, 1);
    this.add(`${family.name}_sum`, labels, value);
    this.add(`${family.name}_count`, labels, 1);
  }
  get size(): number {
    return this.series.size;
  }
  drain(): Series[] {
    const out = [...this.series.values()];
    this.series.clear();
    return out;
  }
  private add(name: string, labels: Record<string, string>, by: number): void {
    const key = `${name}${labelKey(labels)}`;
    const current = this.series.get(key);
    if (current) current.value += by;
    else this.series.set(key, { name, labels: { ...labels }, value: by });
  }
}

const LABELED_HISTOGRAM: MetricFamily = { name: "t_wait_seconds", type: "histogram", help: "t", labels: ["node"], buckets: [0.01, 0.1, 1, 10] };
const COUNTERS = [STORED.routeDecisions, STORED.telemetryPushes, STORED.gatewayAttempts, STORED.gatewayTokens, STORED.gatewayUpstreamErrors, STORED.batches];
const HISTOGRAMS = [STORED.decisionSeconds, LABELED_HISTOGRAM];
const FAMILIES = [...COUNTERS, ...HISTOGRAMS];

const labelValue = fc.constantFrom("", "a", "b", "code_rust", "x\ny", 'q"uote');
const labelsFor = (family: MetricFamily) =>
  fc.oneof(
    { weight: 9, arbitrary: fc.tuple(...family.labels.map(() => labelValue)).map((values) => Object.fromEntries(family.labels.map((k, i) => [k, values[i]!]))) },
    // Irregular: a label missing, or one the catalog does not name.
    { weight: 1, arbitrary: fc.record({ extra: labelValue }, { requiredKeys: [] }) },
  );
const bound = fc.constantFrom(...STORED.decisionSeconds.buckets!, 0.01, 0.1, 1, 10);
const observation = fc.oneof(bound, fc.double({ min: -1, max: 20, noNaN: false }), fc.constantFrom(0, -0, Infinity, -Infinity, NaN), bound.map((b) => b * (1 + 1e-12)));

type Call = { kind: "count"; family: MetricFamily; labels: Record<string, string>; by: number } | { kind: "observe"; family: MetricFamily; labels: Record<string, string>; value: number } | { kind: "drain" };

const call: fc.Arbitrary<Call> = fc.oneof(
  fc.constantFrom(...COUNTERS).chain((family) => fc.record({ kind: fc.constant("count" as const), family: fc.constant(family), labels: labelsFor(family), by: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 5000 })) })),
  fc.constantFrom(...HISTOGRAMS).chain((family) => fc.record({ kind: fc.constant("observe" as const), family: fc.constant(family), labels: labelsFor(family), value: observation })),
  { weight: 1, arbitrary: fc.constant({ kind: "drain" as const }) },
);

/** The exposition of drained series, each under the family it belongs to (as GET /metrics writes it). */
function exposition(series: readonly Series[]): string {
  return renderExposition(
    FAMILIES.map((family) => ({
      family,
      samples: series.filter((s) => s.name === family.name || (family.type === "histogram" && [`${family.name}_bucket`, `${family.name}_sum`, `${family.name}_count`].includes(s.name))),
    })),
  );
}

describe("MetricDeltas against the per-call implementation", () => {
  it("drains the same series, in the same order, and writes byte-identical exposition", () => {
    fc.assert(
      fc.property(fc.array(call, { maxLength: 120 }), (calls) => {
        const fast = new MetricDeltas();
        const oracle = new OracleDeltas();
        const compare = () => {
          expect(fast.size).toBe(oracle.size);
          const a = fast.drain();
          const b = oracle.drain();
          expect(a).toEqual(b);
          expect(Object.is(a.length, b.length)).toBe(true);
          expect(exposition(a)).toBe(exposition(b));
        };
        for (const c of calls) {
          if (c.kind === "drain") compare();
          else if (c.kind === "count") {
            fast.count(c.family, c.labels, c.by);
            oracle.count(c.family, c.labels, c.by);
          } else {
            fast.observe(c.family, c.labels, c.value);
            oracle.observe(c.family, c.labels, c.value);
          }
          expect(fast.size).toBe(oracle.size);
        }
        compare();
        expect(fast.size).toBe(0);
      }),
      { numRuns: 300, seed: 16 },
    );
  });

  it("puts a value on a bound into that bound's bucket, and NaN only into +Inf", () => {
    const deltas = new MetricDeltas();
    for (const value of [0.0005, 0.001, NaN, 5, 6]) deltas.observe(STORED.decisionSeconds, {}, value);
    const buckets = Object.fromEntries(deltas.drain().filter((s) => s.name.endsWith("_bucket")).map((s) => [s.labels["le"], s.value]));
    expect(buckets["0.0005"]).toBe(1);
    expect(buckets["0.001"]).toBe(2);
    expect(buckets["5"]).toBe(3);
    expect(buckets["+Inf"]).toBe(5);
  });
});
