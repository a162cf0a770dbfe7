/**
 * The simulator's serving-engine features (issue 10): simulated agents report engines the way the
 * real agent does (the worker's own schema accepts the snapshot), vLLM-style preallocation, the
 * `saturated` scenario's rate rule, and sweeps over isolates × push interval. No timings asserted.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadKernelModule } from "../../cli/sim/kernel-module";
import { main } from "../../cli/sim/main";
import type { CliIo } from "../../cli/shared/io";
import { DEMO_REGISTRY } from "../../src/registry/store";
import { DEFAULT_CONFIG, type SimConfig } from "../../src/sim/config";
import { buildFleet } from "../../src/sim/fleet";
import { POLICIES } from "../../src/sim/policies";
import { Random } from "../../src/sim/random";
import { runScenario } from "../../src/sim/run";
import { findSaturatedRate, SATURATION_TARGET, staticServedShare } from "../../src/sim/saturation";
import { snapshotNode } from "../../src/sim/telemetry";
import { SnapshotSchema } from "../../src/telemetry/snapshot";

let kernelModule: WebAssembly.Module;
beforeAll(async () => {
  kernelModule = await loadKernelModule();
});

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

function small(overrides: Partial<SimConfig> = {}): SimConfig {
  return {
    ...DEFAULT_CONFIG,
    fleet: { ...DEFAULT_CONFIG.fleet, nodes: 4, gpus_per_node: 2, sites: 2 },
    trace: { ...DEFAULT_CONFIG.trace, duration_s: 300, rate_per_gpu: 0.6 },
    ...overrides,
  };
}

const reported = {
  ids: DEMO_REGISTRY.models.map((m) => m.id),
  served: DEMO_REGISTRY.models.map((m) => m.hf_repo),
};

describe("simulated agents", () => {
  it("push a snapshot the worker accepts, with one on-demand engine per GPU reporting its load", () => {
    const fleet = buildFleet(small(), new Random(3).fork("fleet"));
    const snap = SnapshotSchema.parse(snapshotNode(fleet, 0, 10, reported));
    expect(snap.engines).toHaveLength(2);
    for (const [i, engine] of snap.engines.entries()) {
      expect(engine).toMatchObject({ kind: "llamacpp", mode: "on_demand", gpus: [snap.gpus[i]!.index], running: 0, waiting: 0, kv_cache_usage: 0, requests_total: 0 });
    }
    // With engines, models come from the engines' served names; the node's own list stays empty.
    expect(snap.models).toEqual([]);
    const blind = SnapshotSchema.parse(snapshotNode(fleet, 0, 10, reported, false));
    expect(blind.engines).toEqual([]);
  });

  it("with engine telemetry off, the shipped router serves a different outcome from the same trace", () => {
    const policies = POLICIES.filter((p) => p.id === "dynamic-bench");
    const on = runScenario({ scenario: "steady", config: small(), registry: DEMO_REGISTRY, policies, kernelModule }).results[0]!;
    const base = small();
    const off = runScenario({ scenario: "steady", config: { ...base, telemetry: { ...base.telemetry, engines: false } }, registry: DEMO_REGISTRY, policies, kernelModule }).results[0]!;
    expect(on.requests.arrived).toBe(off.requests.arrived);
    expect(on.requests).not.toEqual(off.requests);
  });
});

describe("vLLM-style preallocation", () => {
  it("makes resident models hold their share of the GPU, so memory utilization rises and never passes capacity", () => {
    const policies = POLICIES.filter((p) => p.id === "dynamic-bench");
    const plain = runScenario({ scenario: "steady", config: small(), registry: DEMO_REGISTRY, policies, kernelModule }).results[0]!;
    const base = small();
    const prealloc = runScenario({ scenario: "steady", config: { ...base, physics: { ...base.physics, prealloc_share: 0.9 } }, registry: DEMO_REGISTRY, policies, kernelModule }).results[0]!;
    expect(prealloc.peak_memory_ratio).toBeLessThanOrEqual(1);
    expect(prealloc.memory_util_pct.mean).toBeGreaterThan(plain.memory_util_pct.mean);
    expect(prealloc.requests.served).toBeGreaterThan(0);
  });
});

describe("the saturated scenario's rate", () => {
  it("is where static alone serves at most 80%, with a probe above 80% just below it", () => {
    const input = { config: small({ trace: { ...small().trace, duration_s: 120 } }), registry: DEMO_REGISTRY, kernelModule };
    const found = findSaturatedRate(input);
    expect(staticServedShare(input, found.rate_per_gpu)).toBeLessThanOrEqual(SATURATION_TARGET);
    const above = found.probes.filter((p) => p.served_share > SATURATION_TARGET && p.rate_per_gpu < found.rate_per_gpu);
    expect(above.length).toBeGreaterThan(0);
    const closest = Math.max(...above.map((p) => p.rate_per_gpu));
    expect((found.rate_per_gpu - closest) / found.rate_per_gpu).toBeLessThanOrEqual(0.011);
  });
});

describe("npm run sim sweeps", () => {
  it("runs every isolates × push-interval pair, the blind policy once, and writes <scenario>-sweep.json", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sim-sweep-"));
    dirs.push(dir);
    let out = "";
    let err = "";
    const io: CliIo = { stdout: { write: (s: string) => (out += s) }, stderr: { write: (s: string) => (err += s) }, env: {} };
    const code = await main(["--nodes", "2", "--gpus-per-node", "2", "--duration", "60", "--policies", "static,dynamic-bench", "--isolates", "1,2", "--push-interval", "1,5", "--out", dir], io);
    expect(err).not.toContain("sim: ");
    expect(code).toBe(0);
    const sweep = JSON.parse(await readFile(join(dir, "steady-sweep.json"), "utf8")) as { results: { policy: string }[]; sweep: { isolates: number; push_interval_s: number; results: { policy: string }[] }[] };
    expect(sweep.results.map((r) => r.policy)).toEqual(["static"]);
    expect(sweep.sweep.map((r) => [r.isolates, r.push_interval_s])).toEqual([[1, 1], [1, 5], [2, 1], [2, 5]]);
    for (const row of sweep.sweep) expect(row.results.map((r) => r.policy)).toEqual(["dynamic-bench"]);
    expect(out).toContain("isolates");
  });
});
