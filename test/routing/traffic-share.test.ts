/**
 * TrafficShare: an isolate's share of the fleet's traffic from the engines' own counters, and the
 * weight its placements get (src/routing/traffic-share.ts).
 */
import { describe, expect, it } from "vitest";
import type { LedgerEntry } from "../../src/kernel/ledger";
import type { FleetEngine, FleetNode } from "../../src/kernel/types";
import { MAX_WEIGHT, MIN_ARRIVALS, TrafficShare } from "../../src/routing/traffic-share";
import { gpu, node } from "../support/builders";

const T0 = 1_800_000_000_000;

function engine(total: number | null, running: number, waiting: number, read_at_ms: number, kind: FleetEngine["kind"] = "vllm"): FleetEngine {
  return { kind, mode: "fixed", models: ["a"], gpus: null, running, waiting, kv_cache_usage: 0.1, requests_total: total, read_at_ms };
}

const view = (t: number, engines: FleetEngine[]): FleetNode[] => [node("n", t, [gpu(0, 1000)], [], engines)];
const sent = (count: number, from: number, to: number, engineOrdinal = 0): LedgerEntry[] =>
  Array.from({ length: count }, (_, i) => ({ node: "n", gpu: 0, engine: engineOrdinal, model: "a", memory: 0, serving: true, at_ms: from + ((i + 1) * (to - from)) / (count + 1) }));

describe("TrafficShare", () => {
  it("weighs each own placement by arrivals / own placements between two readings", () => {
    const share = new TrafficShare();
    // 100 requests finished, and in flight went from 10 to 14: 104 arrived; this isolate sent 26 of them.
    const weight = share.update(view(T0, [engine(1000, 8, 2, T0)]), view(T0 + 5000, [engine(1100, 8, 6, T0 + 5000)]), { entries: sent(26, T0, T0 + 5000) });
    expect(weight).toBeCloseTo(4, 10);
  });

  it("counts only own placements made between the two readings of that engine", () => {
    const share = new TrafficShare();
    const entries = [...sent(10, T0 - 4000, T0), ...sent(25, T0, T0 + 5000), ...sent(7, T0 + 5000, T0 + 6000), ...sent(9, T0, T0 + 5000, 1)];
    expect(share.update(view(T0, [engine(0, 0, 0, T0)]), view(T0 + 5000, [engine(100, 0, 0, T0 + 5000)]), { entries })).toBeCloseTo(4, 10);
  });

  it("stays at 1 until enough arrivals were seen, and never leaves [1, MAX_WEIGHT]", () => {
    const few = new TrafficShare();
    expect(few.update(view(T0, [engine(0, 0, 0, T0)]), view(T0 + 5000, [engine(MIN_ARRIVALS - 1, 0, 0, T0 + 5000)]), { entries: sent(1, T0, T0 + 5000) })).toBe(1);
    const tiny = new TrafficShare();
    expect(tiny.update(view(T0, [engine(0, 0, 0, T0)]), view(T0 + 5000, [engine(100_000, 0, 0, T0 + 5000)]), { entries: sent(1, T0, T0 + 5000) })).toBe(MAX_WEIGHT);
    // More own placements than arrivals (timing): the whole traffic, not more.
    const all = new TrafficShare();
    expect(all.update(view(T0, [engine(0, 0, 0, T0)]), view(T0 + 5000, [engine(50, 0, 0, T0 + 5000)]), { entries: sent(80, T0, T0 + 5000) })).toBe(1);
  });

  it("ignores engines it cannot compare: no counter, a counter that went back (restart), another kind, no newer reading", () => {
    const cases: Array<[FleetEngine, FleetEngine]> = [
      [engine(null, 0, 0, T0), engine(null, 0, 0, T0 + 5000)],
      [engine(500, 0, 0, T0), engine(100, 0, 0, T0 + 5000)],
      [engine(0, 0, 0, T0), engine(100, 0, 0, T0 + 5000, "sglang")],
      [engine(0, 0, 0, T0), engine(100, 0, 0, T0)],
    ];
    for (const [before, after] of cases) {
      const share = new TrafficShare();
      expect(share.update(view(T0, [before]), view(T0 + 5000, [after]), { entries: sent(10, T0, T0 + 5000) })).toBe(1);
    }
  });

  it("remembers earlier windows with decay, so one quiet window does not reset the weight", () => {
    const share = new TrafficShare();
    share.update(view(T0, [engine(0, 0, 0, T0)]), view(T0 + 5000, [engine(200, 0, 0, T0 + 5000)]), { entries: sent(25, T0, T0 + 5000) });
    const quiet = share.update(view(T0 + 5000, [engine(200, 0, 0, T0 + 5000)]), view(T0 + 10_000, [engine(200, 0, 0, T0 + 10_000)]), { entries: [] });
    expect(quiet).toBeCloseTo(8, 10);
  });
});
