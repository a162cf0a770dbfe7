/**
 * The kernel contract for placement on serving engines (assembly/place.ts, replicas.ts): one suite,
 * run against the WASM build and the TS reference like contract.ts. Registries from
 * test/support/builders.ts, whose models are served under hf_repo `test/<id>`.
 */
import { describe, expect, it } from "vitest";
import type { FleetEngine, FleetNode, Kernel, KernelRequest } from "../../src/kernel/types";
import type { Registry } from "../../src/registry/schema";
import { gpu, model, node, registry } from "../support/builders";

const NOW = 1_800_000_000_000;
const req = (category: string, seed = 0, now_ms = NOW): KernelRequest => ({ category, constraints: {}, top_k: 1, now_ms, seed });

function engine(models: string[], load: Partial<FleetEngine> = {}): FleetEngine {
  return { kind: "vllm", mode: "fixed", models, gpus: null, running: 0, waiting: 0, kv_cache_usage: 0.1, requests_total: 0, read_at_ms: NOW, ...load };
}

/** "a" (the better model) and "b", 10 GB each, serving code; the serving thresholds as given. */
function ab(serving: Partial<Registry["config"]["serving"]> = {}): Registry {
  const r = registry([
    model("a", { categories: { code: { base_score: 30, confidence: 0 } }, memory_mb: { bf16: 10000 } }),
    model("b", { categories: { code: { base_score: 20, confidence: 0 } }, memory_mb: { bf16: 10000 } }),
  ]);
  return { ...r, config: { ...r.config, serving: { ...r.config.serving, ...serving } } };
}

const placed = (k: Kernel, request: KernelRequest) => {
  const r = k.route(request);
  return r.status === "ok" ? [r.results[0]!.model, r.results[0]!.placement?.node ?? null] : [r.status, null];
};

export function engineContract(name: string, make: () => Kernel): void {
  describe(`${name}: placement on serving engines`, () => {
    it("a fixed engine never gets a model it does not serve, however much memory is free", () => {
      const k = make();
      k.loadRegistry(ab());
      k.loadFleet([node("vllm-b", NOW, [gpu(0, 70000)], [], [engine(["test/b"])])]);
      // "a" ranks first but no engine serves it and the node cannot load: "b" on its own engine.
      const r = k.route({ ...req("code"), explain: true });
      expect(r.results.map((x) => [x.model, x.placement])).toEqual([["b", { node: "vllm-b", gpu_index: 0, engine: 0, serving: true, stale: false }]]);
      k.loadFleet([node("vllm-other", NOW, [gpu(0, 70000)], [], [engine(["someone/else"])])]);
      expect(k.route(req("code")).status).toBe("no_gpu");
    });

    it("served names map to registry models by id or hf_repo in any case", () => {
      const k = make();
      k.loadRegistry(ab());
      for (const name of ["a", "test/a", "TEST/A"]) {
        k.loadFleet([node("n", NOW, [gpu(0, 1000)], [], [engine([name])])]);
        expect(placed(k, req("code"))).toEqual(["a", "n"]);
      }
    });

    it("a node without an endpoint is inventory only: never placed, even when it serves the model", () => {
      const k = make();
      k.loadRegistry(ab());
      const inventory: FleetNode = { ...node("inv", NOW, [gpu(0, 80000)], ["a"], [engine(["test/a"])]), endpoint: null };
      k.loadFleet([inventory]);
      expect(k.route(req("code")).status).toBe("no_gpu");
      k.loadFleet([inventory, node("ok", NOW, [gpu(0, 20000)])]);
      expect(placed(k, req("code"))).toEqual(["a", "ok"]);
    });

    it("prefers the replica with the lower load factor (requests per unit of batch capacity)", () => {
      const k = make();
      k.loadRegistry(ab());
      // busy: 4 running at KV 0.5 (capacity 8) + 1 waiting = 0.625; calm: 2 running at KV 0.5 (capacity 4) = 0.5.
      k.loadFleet([
        node("busy", NOW, [gpu(0, 1000)], [], [engine(["a"], { running: 4, waiting: 1, kv_cache_usage: 0.5 })]),
        node("calm", NOW, [gpu(0, 1000)], [], [engine(["a"], { running: 2, waiting: 0, kv_cache_usage: 0.5 })]),
      ]);
      const picks = new Set(Array.from({ length: 12 }, (_, i) => placed(k, { ...req("code", i * 2654435761), record: false })[1]));
      expect([...picks]).toEqual(["calm"]);
    });

    it("GPU utilization does not gate a known engine (it reads 100% under light load); temperature does", () => {
      const k = make();
      k.loadRegistry(ab());
      k.loadFleet([node("pegged", NOW, [gpu(0, 1000, { utilization_pct: 100 })], [], [engine(["a"])])]);
      expect(placed(k, req("code"))).toEqual(["a", "pegged"]);
      k.loadFleet([node("hot", NOW, [gpu(0, 1000, { temperature_c: 85 })], [], [engine(["a"])])]);
      expect(k.route(req("code")).status).toBe("no_gpu");
    });

    it("a saturated replica is skipped while another model has an unsaturated one; with none, it still serves", () => {
      const k = make();
      k.loadRegistry(ab());
      const full = engine(["a"], { running: 8, waiting: 6, kv_cache_usage: 1 });
      k.loadFleet([node("fa", NOW, [gpu(0, 1000)], [], [full]), node("fb", NOW, [gpu(0, 1000)], [], [engine(["b"])])]);
      // "a" has only a saturated replica: "b" with room beats queueing behind it.
      expect(placed(k, req("code"))).toEqual(["b", "fb"]);
      k.loadFleet([node("fa", NOW, [gpu(0, 1000)], [], [full])]);
      // Nothing unsaturated and nowhere to load: the lenient pass queues on the least loaded replica.
      expect(placed(k, req("code"))).toEqual(["a", "fa"]);
    });

    it("loads a model elsewhere only when every replica of it is saturated, and only where something can load it", () => {
      const k = make();
      k.loadRegistry(ab());
      const ollama = engine([], { kind: "ollama", mode: "on_demand", running: null, waiting: null, kv_cache_usage: null });
      const replica = (waiting: number) => node("rep", NOW, [gpu(0, 1000)], [], [engine(["a"], { running: 8, waiting, kv_cache_usage: 1 })]);
      // Saturated (8 waiting ≥ 5): the on-demand node loads "a".
      k.loadFleet([replica(8), node("spare", NOW, [gpu(0, 60000)], [], [ollama])]);
      expect(k.route(req("code")).results[0]).toMatchObject({ model: "a", placement: { node: "spare", serving: false, engine: 0 } });
      // Not saturated (capacity 8, 2 waiting < 5, and the kernel counts only placements since the snapshot): the replica serves.
      const fresh = make();
      fresh.loadRegistry(ab());
      fresh.loadFleet([node("rep", NOW, [gpu(0, 1000)], [], [engine(["a"], { running: 4, waiting: 0, kv_cache_usage: 0.5 })]), node("spare", NOW, [gpu(0, 60000)], [], [ollama])]);
      expect(fresh.route(req("code")).results[0]).toMatchObject({ model: "a", placement: { node: "rep", serving: true } });
      // A node of fixed engines with free GPUs is no load target.
      const fixed = make();
      fixed.loadRegistry(ab());
      fixed.loadFleet([replica(8), node("vllm-only", NOW, [gpu(0, 60000), gpu(1, 60000)], [], [engine(["test/b"], { gpus: [0] })])]);
      expect(fixed.route(req("code")).results[0]).toMatchObject({ model: "b", placement: { node: "vllm-only", serving: true } });
    });

    it("an engine of unknown load ranks after every known one, never as idle", () => {
      const k = make();
      k.loadRegistry(ab());
      const blind = engine(["a"], { running: null, waiting: null, kv_cache_usage: null });
      const known = engine(["a"], { running: 7, waiting: 0, kv_cache_usage: 0.7 });
      k.loadFleet([node("blind", NOW, [gpu(0, 1000, { utilization_pct: 0 })], [], [blind]), node("known", NOW, [gpu(0, 1000)], [], [known])]);
      const picks = new Set(Array.from({ length: 12 }, (_, i) => placed(k, { ...req("code", i * 2654435761), record: false })[1]));
      expect([...picks]).toEqual(["known"]);
      // Alone, the unknown engine is judged by its GPU, as a node without engine data would be.
      k.loadFleet([node("blind", NOW, [gpu(0, 1000, { utilization_pct: 0 })], [], [blind])]);
      expect(placed(k, req("code"))).toEqual(["a", "blind"]);
    });

    it("a replica whose engine reading is stale is a last resort behind fresh ones", () => {
      const k = make();
      k.loadRegistry(ab());
      const old = engine(["a"], { read_at_ms: NOW - 60_000 });
      k.loadFleet([node("old", NOW, [gpu(0, 1000)], [], [old]), node("new", NOW, [gpu(0, 1000)], [], [engine(["b"])])]);
      expect(placed(k, req("code"))).toEqual(["b", "new"]);
      k.loadFleet([node("old", NOW, [gpu(0, 1000)], [], [old])]);
      expect(k.route(req("code")).results[0]).toMatchObject({ model: "a", placement: { node: "old", stale: true } });
    });

    it("own placements count until a snapshot taken after them arrives", () => {
      const k = make();
      k.loadRegistry(ab({ saturation_waiting: 100, saturation_kv_cache_usage: 1 }));
      // Two equal replicas of "a", capacity 8 each (4 running at KV 0.5); equal load goes to x (node order).
      const x = (t: number, running: number) => node("x", t, [gpu(0, 1000)], [], [engine(["a"], { running, kv_cache_usage: running / 8, read_at_ms: t })]);
      const y = node("y", NOW, [gpu(0, 1000)], [], [engine(["a"], { running: 4, kv_cache_usage: 0.5 })]);
      k.loadFleet([x(NOW, 4), y]);
      expect(placed(k, req("code", 0, NOW + 100))).toEqual(["a", "x"]);
      // x now has 5 in it by this kernel's count: y wins even with the seed that chose x.
      expect(placed(k, req("code", 0, NOW + 200))).toEqual(["a", "y"]);
      expect(placed(k, req("code", 0, NOW + 300))).toEqual(["a", "x"]);
      expect(placed(k, req("code", 0, NOW + 400))).toEqual(["a", "y"]);
      // x's snapshot taken at NOW + 350 reflects its placements at 100 and 300; y's is unchanged.
      k.loadFleet([x(NOW + 350, 6), y]);
      expect(k.ledger().entries.map((e) => [e.node, e.at_ms])).toEqual([["y", NOW + 200], ["y", NOW + 400]]);
      // x: 6 / 8 by its snapshot; y: (4 + 2 own) / 8. Equal again: x by node order.
      expect(placed(k, { ...req("code", 0, NOW + 500), record: false })).toEqual(["a", "x"]);
    });

    it("a request's excluded nodes are never placed on, as replicas or as load targets; unknown ids are ignored", () => {
      const k = make();
      k.loadRegistry(ab());
      k.loadFleet([
        node("calm", NOW, [gpu(0, 1000)], [], [engine(["a"], { running: 0, kv_cache_usage: 0 })]),
        node("busy", NOW, [gpu(0, 1000)], [], [engine(["a"], { running: 4, kv_cache_usage: 0.5 })]),
        node("spare", NOW, [gpu(0, 60000)]),
      ]);
      const excluding = (...nodes: string[]) => placed(k, { ...req("code"), record: false, exclude_nodes: nodes });
      expect(excluding()).toEqual(["a", "calm"]);
      expect(excluding("calm", "no-such-node")).toEqual(["a", "busy"]);
      // With both replicas excluded, "a" is loaded on the node without engine data.
      expect(k.route({ ...req("code"), record: false, exclude_nodes: ["calm", "busy"] }).results[0]).toMatchObject({ model: "a", placement: { node: "spare", serving: false } });
      expect(k.route({ ...req("code"), exclude_nodes: ["calm", "busy", "spare"] }).status).toBe("no_gpu");
      // The next request without exclusions sees every node again.
      expect(excluding()).toEqual(["a", "calm"]);
    });

    it("each own placement counts the own weight times (this isolate's share of the traffic, inverted)", () => {
      const k = make();
      k.loadRegistry(ab({ saturation_waiting: 100, saturation_kv_cache_usage: 1 }));
      k.loadFleet([
        node("x", NOW, [gpu(0, 1000)], [], [engine(["a"], { running: 6, kv_cache_usage: 0.75 })]),
        node("y", NOW, [gpu(0, 1000)], [], [engine(["a"], { running: 4, kv_cache_usage: 0.5 })]),
      ]);
      expect(placed(k, req("code", 0, NOW + 100))).toEqual(["a", "y"]);
      // Weight 1: y is (4 + 1) / 8 < x's 6 / 8. Weight 3: (4 + 3) / 8 > 6 / 8.
      expect(placed(k, { ...req("code", 0, NOW + 200), record: false })).toEqual(["a", "y"]);
      k.setOwnWeight(3);
      expect(placed(k, { ...req("code", 0, NOW + 200), record: false })).toEqual(["a", "x"]);
      expect(() => k.setOwnWeight(0.5)).toThrow(RangeError);
    });
  });
}
