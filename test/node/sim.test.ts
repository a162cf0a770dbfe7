/**
 * Invariants of the fleet simulator (src/sim), run against the real WASM kernel from
 * build/kernel.wasm: requests are conserved, no GPU ever holds more than its memory, a seed
 * replays exactly, and the shipped router never places on an overheated GPU while a healthy
 * one has room. No timings are asserted.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { loadKernelModule } from "../../cli/sim/kernel-module";
import { DEMO_REGISTRY } from "../../src/registry/store";
import { DEFAULT_CONFIG, SCENARIOS, type SimConfig } from "../../src/sim/config";
import type { PolicyResult } from "../../src/sim/metrics";
import { POLICIES } from "../../src/sim/policies";
import { Random } from "../../src/sim/random";
import { runScenario, type ScenarioReport } from "../../src/sim/run";
import { generateTrace } from "../../src/sim/trace";

let kernelModule: WebAssembly.Module;

beforeAll(async () => {
  kernelModule = await loadKernelModule();
});

/** A small, busy fleet: 6 nodes × 4 GPUs, 10 simulated minutes, enough load to fill memory. */
function small(overrides: Partial<SimConfig> = {}): SimConfig {
  return {
    ...DEFAULT_CONFIG,
    fleet: { ...DEFAULT_CONFIG.fleet, nodes: 6, gpus_per_node: 4, sites: 2 },
    trace: { ...DEFAULT_CONFIG.trace, duration_s: 600, rate_per_gpu: 0.6 },
    ...overrides,
  };
}

function degradedSmall(seed: number): SimConfig {
  return SCENARIOS.degraded.apply({ ...small(), seed });
}

const accounted = (r: PolicyResult): number =>
  r.requests.served + r.requests.rejected_no_model + r.requests.rejected_no_gpu + r.requests.failed_oom + r.requests.failed_timeout + r.requests.in_flight;

describe("fleet simulator", () => {
  let report: ScenarioReport;

  beforeAll(() => {
    report = runScenario({ scenario: "degraded", config: degradedSmall(7), registry: DEMO_REGISTRY, policies: POLICIES, kernelModule });
  });

  it("conserves requests: arrived = served + rejected + failed + in flight, for every policy", () => {
    expect(report.results.map((r) => r.policy)).toEqual(POLICIES.map((p) => p.id));
    for (const r of report.results) {
      expect(r.requests.arrived).toBe(report.trace.requests);
      expect(accounted(r)).toBe(r.requests.arrived);
      expect(r.requests.served).toBeGreaterThan(0);
    }
  });

  it("never puts more on a GPU than its memory, even when loads and KV fill it", () => {
    for (const r of report.results) {
      expect(r.peak_memory_ratio).toBeLessThanOrEqual(1);
      expect(r.model_loads).toBeGreaterThan(0);
    }
    // The scenario is tight enough that memory really runs out somewhere.
    expect(Math.max(...report.results.map((r) => r.peak_memory_ratio))).toBeGreaterThan(0.9);
    expect(report.results.some((r) => r.requests.failed_oom > 0)).toBe(true);
  });

  it("replays a seed exactly", () => {
    const again = runScenario({ scenario: "degraded", config: degradedSmall(7), registry: DEMO_REGISTRY, policies: POLICIES, kernelModule });
    expect(again).toEqual(report);
  });

  it("draws a different trace and outcome for a different seed", () => {
    const a = generateTrace(small().trace, 24, new Random(1).fork("trace"));
    const b = generateTrace(small().trace, 24, new Random(2).fork("trace"));
    const a2 = generateTrace(small().trace, 24, new Random(1).fork("trace"));
    expect(a2.arrival_s).toEqual(a.arrival_s);
    expect(a2.category).toEqual(a.category);
    expect(Array.from(b.arrival_s.slice(0, 50))).not.toEqual(Array.from(a.arrival_s.slice(0, 50)));
    const other = runScenario({ scenario: "degraded", config: degradedSmall(8), registry: DEMO_REGISTRY, policies: POLICIES.slice(0, 1), kernelModule });
    expect(other.results[0]!.requests).not.toEqual(report.results[0]!.requests);
  });

  it("keeps the utilization series within 0–100% and the latency quantiles sorted", () => {
    for (const r of report.results) {
      for (const v of [...r.series.compute_pct, ...r.series.memory_pct]) {
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(100);
      }
      expect(r.latency_quantiles_s).toEqual([...r.latency_quantiles_s].sort((x, y) => x - y));
    }
  });

  it("counts served work within busy time: throttling only ever slows a request down", () => {
    for (const r of report.results) {
      expect(r.served_work_pct).toBeGreaterThan(0);
      // Both are rounded to 0.01 points.
      expect(r.served_work_pct).toBeLessThanOrEqual(r.compute_util_pct.mean + 0.01);
    }
    // The degraded site throttles the telemetry-blind policies, so their busy time exceeds their work.
    const blind = report.results.find((r) => r.policy === "static")!;
    expect(blind.compute_util_pct.mean).toBeGreaterThan(blind.served_work_pct);
  });
});

describe("several router isolates", () => {
  // Each isolate has its own kernel and placement ledger and re-reads the fleet on its own phase.
  const policies = POLICIES.filter((p) => p.id === "dynamic-bench");
  const withIsolates = (isolates: number): SimConfig => {
    const base = degradedSmall(7);
    return { ...base, telemetry: { ...base.telemetry, isolates } };
  };

  it("conserve requests, stay within memory, replay exactly and differ from one isolate", () => {
    const three = runScenario({ scenario: "isolates", config: withIsolates(3), registry: DEMO_REGISTRY, policies, kernelModule });
    const r = three.results[0]!;
    expect(accounted(r)).toBe(r.requests.arrived);
    expect(r.requests.served).toBeGreaterThan(0);
    // Every isolate starts with the fleet: none answers "no GPU" for lack of a view.
    expect(r.requests.rejected_no_gpu).toBe(0);
    expect(r.peak_memory_ratio).toBeLessThanOrEqual(1);
    expect(runScenario({ scenario: "isolates", config: withIsolates(3), registry: DEMO_REGISTRY, policies, kernelModule })).toEqual(three);
    const one = runScenario({ scenario: "isolates", config: withIsolates(1), registry: DEMO_REGISTRY, policies, kernelModule });
    expect(one.results[0]!.requests).not.toEqual(r.requests);
  });
});

describe("an overheated GPU next to a healthy one", () => {
  // Two nodes with one 80 GB GPU each; site 0 has lost its cooling before the run starts, so its
  // GPU reports 95 °C from the first snapshot on. Light chat traffic always fits the healthy GPU.
  const config: SimConfig = {
    ...DEFAULT_CONFIG,
    seed: 3,
    fleet: { nodes: 2, gpus_per_node: 1, sites: 2, classes: [{ memory_gb: 80, share: 1 }], slots: 8 },
    trace: { ...DEFAULT_CONFIG.trace, duration_s: 600, rate_per_gpu: 0.05, category_mix: { general_chat: 1 } },
    physics: { ...DEFAULT_CONFIG.physics, ambient_jitter_c: 0 },
    degrade: { site: 0, from_s: 0, ambient_offset_c: 60, push_loss: 0 },
  };

  it("the shipped router (c) never places on it; the static router does", () => {
    const policies = POLICIES.filter((p) => p.id === "dynamic-bench" || p.id === "static");
    const report = runScenario({ scenario: "hot-gpu", config, registry: DEMO_REGISTRY, policies, kernelModule });
    const shipped = report.results.find((r) => r.policy === "dynamic-bench")!;
    const blind = report.results.find((r) => r.policy === "static")!;
    expect(shipped.requests.served).toBeGreaterThan(20);
    expect(shipped.requests.rejected_no_gpu).toBe(0);
    expect(shipped.overheated_placements).toBe(0);
    expect(blind.overheated_placements).toBeGreaterThan(0);
  });
});
