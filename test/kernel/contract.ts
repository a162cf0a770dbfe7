/**
 * The kernel contract: one suite, run against the WASM build (wasm.test.ts) and the TS reference
 * (reference.test.ts). Every expected number is computed by hand from the tiny registries in
 * test/support/builders.ts.
 */
import { describe, expect, it } from "vitest";
import * as L from "../../assembly/layout";
import type { Kernel, KernelRequest } from "../../src/kernel/types";
import type { Registry } from "../../src/registry/schema";
import { countLedger, gpuKey } from "../../src/kernel/ledger";
import { bench, gpu, model, node, registry } from "../support/builders";

const NOW = 1_800_000_000_000;
const req = (category: string, constraints: KernelRequest["constraints"] = {}, top_k = 3): KernelRequest => ({
  category,
  constraints,
  top_k,
  now_ms: NOW,
  explain: true,
});

export function kernelContract(name: string, make: () => Kernel): void {
  describe(`${name}: scoring`, () => {
    it("total = base + benchmark × confidence, benchmark = weighted mean scaled to 0–50", () => {
      const k = make();
      k.loadRegistry(registry([model("a", { categories: { code: { base_score: 10, confidence: 0.5 } }, benchmarks: [bench("HumanEval", 80), bench("MBPP", 60)] })]));
      const [r] = k.route(req("code")).results;
      // (80·1.0 + 60·0.8) / 1.8 = 71.111…; /100·50 = 35.555…
      const benchmark = ((80 * 1.0 + 60 * 0.8) / 1.8 / 100) * 50;
      expect(r!.score.benchmark).toBeCloseTo(benchmark, 12);
      expect(r!.score.total).toBeCloseTo(10 + benchmark * 0.5, 12);
      expect(r!.score).toMatchObject({ base: 10, confidence: 0.5 });
    });

    it("missing results are left out of the mean, and no relevant result gives 0 (never NaN)", () => {
      const k = make();
      k.loadRegistry(registry([
        model("half", { categories: { code: { base_score: 0, confidence: 1 } }, benchmarks: [bench("MBPP", 50)] }),
        model("none", { categories: { chat: { base_score: 7, confidence: 1 }, code: { base_score: 1, confidence: 1 } }, benchmarks: [bench("GSM8K", 90)] }),
      ]));
      expect(k.route(req("code")).results.map((r) => [r.model, r.score.benchmark])).toEqual([["half", 25], ["none", 0]]);
      const chat = k.route(req("chat")).results[0]!;
      expect(chat.score).toEqual({ total: 7, base: 7, benchmark: 0, confidence: 1 });
    });

    it("a child without its own list inherits its parent's relevant benchmarks", () => {
      const k = make();
      k.loadRegistry(registry([
        model("a", { categories: { code_rust: { base_score: 0, confidence: 1 }, code_python: { base_score: 0, confidence: 1 } }, benchmarks: [bench("HumanEval", 40), bench("MBPP", 80)] }),
      ]));
      // code_rust inherits [HumanEval, MBPP]: (40 + 64) / 1.8 / 2; code_python has only HumanEval: 40 / 2.
      expect(k.route(req("code_rust")).results[0]!.score.benchmark).toBeCloseTo((40 + 80 * 0.8) / 1.8 / 2, 12);
      expect(k.route(req("code_python")).results[0]!.score.benchmark).toBe(20);
    });
  });

  describe(`${name}: ranking`, () => {
    it("ranks by total, ties broken by registry order, cut at top_k", () => {
      const k = make();
      const s = (base: number) => ({ code: { base_score: base, confidence: 0 } });
      k.loadRegistry(registry([model("a", { categories: s(10) }), model("b", { categories: s(30) }), model("c", { categories: s(10) }), model("d", { categories: s(20) })]));
      expect(k.route(req("code", {}, 3)).results.map((r) => r.model)).toEqual(["b", "d", "a"]);
      expect(k.route(req("code", {}, 10)).results.map((r) => r.model)).toEqual(["b", "d", "a", "c"]);
      expect(k.route(req("code", {}, 1)).results.map((r) => r.model)).toEqual(["b"]);
    });
  });

  describe(`${name}: constraints`, () => {
    const cat = { code: { base_score: 10, confidence: 1 } };
    const models = [
      model("big", { categories: cat, params_b: 70, memory_mb: { bf16: 150000, int4: 45000 } }),
      model("short", { categories: cat, context_length: 4096 }),
      model("unknown-ctx", { categories: cat, context_length: null }),
      model("small", { categories: cat, params_b: 1, memory_mb: { bf16: 3000, fp8: 2000 }, default_precision: "bf16" }),
    ];
    const reasonsOf = (k: Kernel, r: KernelRequest) => Object.fromEntries(k.route(r).rejected.map((x) => [x.model, x.reasons]));

    it("max_memory_mb, min_context (unknown context fails it), max_params_b", () => {
      const k = make();
      k.loadRegistry(registry(models));
      expect(reasonsOf(k, req("code", { max_memory_mb: 20000 }))).toEqual({ big: L.REJECT_MEMORY });
      expect(reasonsOf(k, req("code", { min_context: 8192 }))).toEqual({ short: L.REJECT_CONTEXT, "unknown-ctx": L.REJECT_CONTEXT });
      expect(reasonsOf(k, req("code", { max_params_b: 10 }))).toEqual({ big: L.REJECT_PARAMS });
      expect(reasonsOf(k, req("code", { max_params_b: 10, max_memory_mb: 10000 }))).toEqual({
        big: L.REJECT_PARAMS | L.REJECT_MEMORY,
        short: L.REJECT_MEMORY,
        "unknown-ctx": L.REJECT_MEMORY,
      });
    });

    it("an unknown context counts as config.default_context_length when one is set", () => {
      const k = make();
      const base = registry(models);
      k.loadRegistry({ ...base, config: { ...base.config, default_context_length: 8192 } });
      expect(reasonsOf(k, req("code", { min_context: 8192 }))).toEqual({ short: L.REJECT_CONTEXT });
      expect(reasonsOf(k, req("code", { min_context: 8193 }))).toEqual({ short: L.REJECT_CONTEXT, "unknown-ctx": L.REJECT_CONTEXT });
      expect(reasonsOf(k, req("code", {}))).toEqual({});
    });

    it("allow and deny lists", () => {
      const k = make();
      k.loadRegistry(registry(models));
      expect(k.route(req("code", { allow_models: ["small"] })).results.map((r) => r.model)).toEqual(["small"]);
      const denied = k.route(req("code", { deny_models: ["big", "short"] }, 10));
      expect(denied.results.map((r) => r.model)).toEqual(["unknown-ctx", "small"]);
      expect(denied.rejected).toEqual([
        { model: "big", category: "code", reasons: L.REJECT_DENIED },
        { model: "short", category: "code", reasons: L.REJECT_DENIED },
      ]);
      // Flags from one request must not leak into the next.
      expect(k.route(req("code", {}, 10)).results).toHaveLength(4);
    });

    it("precision: memory at the requested precision, missing builds rejected", () => {
      const k = make();
      k.loadRegistry(registry(models));
      const r = k.route(req("code", { precision: "int4" }, 10));
      expect(r.results.map((x) => [x.model, x.precision, x.memory_mb])).toEqual([
        ["big", "int4", 45000],
        ["short", "int4", 5000],
        ["unknown-ctx", "int4", 5000],
      ]);
      expect(r.rejected).toEqual([{ model: "small", category: "code", reasons: L.REJECT_PRECISION }]);
      expect(k.route(req("code", {}, 10)).results.find((x) => x.model === "big")!.memory_mb).toBe(150000);
    });

    it("min_score filters on the total", () => {
      const k = make();
      k.loadRegistry(registry([model("lo", { categories: { code: { base_score: 5, confidence: 1 } } }), model("hi", { categories: { code: { base_score: 9, confidence: 1 } } })]));
      const r = k.route(req("code", { min_score: 6 }));
      expect(r.results.map((x) => x.model)).toEqual(["hi"]);
      expect(r.rejected).toEqual([{ model: "lo", category: "code", reasons: L.REJECT_MIN_SCORE }]);
    });
  });

  describe(`${name}: explain`, () => {
    it("rejections are reported on success only when asked, and always on failure", () => {
      const k = make();
      k.loadRegistry(registry([model("big", { categories: { code: { base_score: 9, confidence: 0 } }, params_b: 70 }), model("small", { categories: { code: { base_score: 1, confidence: 0 } } })]));
      const quiet = { ...req("code", { max_params_b: 10 }), explain: false };
      expect(k.route(quiet)).toMatchObject({ status: "ok", rejected: [] });
      expect(k.route({ ...quiet, explain: true }).rejected).toEqual([{ model: "big", category: "code", reasons: L.REJECT_PARAMS }]);
      expect(k.route({ ...quiet, constraints: { max_params_b: 1 } }).rejected).toHaveLength(2);
    });
  });

  describe(`${name}: hierarchical fallback`, () => {
    it("walks to the parent when nothing specific fits, and reports the walk", () => {
      const k = make();
      k.loadRegistry(registry([
        model("rusty", { categories: { code_rust: { base_score: 40, confidence: 0 } }, context_length: 4096 }),
        model("general", { categories: { code: { base_score: 10, confidence: 0 } } }),
      ]));
      const specific = k.route(req("code_rust"));
      expect(specific).toMatchObject({ status: "ok", path: ["code_rust"], resolved: "code_rust" });
      const fallback = k.route(req("code_rust", { min_context: 8192 }));
      expect(fallback).toMatchObject({ status: "ok", path: ["code_rust", "code"], resolved: "code" });
      expect(fallback.results.map((r) => r.model)).toEqual(["general"]);
      expect(fallback.rejected).toEqual([{ model: "rusty", category: "code_rust", reasons: L.REJECT_CONTEXT }]);
    });

    it("answers no_model after the root, a model rejected at two levels is reported once", () => {
      const k = make();
      k.loadRegistry(registry([model("a", { categories: { code_rust: { base_score: 1, confidence: 0 }, code: { base_score: 1, confidence: 0 } } })]));
      const r = k.route(req("code_rust", { max_params_b: 1 }));
      expect(r).toEqual({
        status: "no_model",
        path: ["code_rust", "code"],
        resolved: null,
        results: [],
        rejected: [{ model: "a", category: "code_rust", reasons: L.REJECT_PARAMS }],
      });
    });

    it("a category nobody serves falls back without rejections", () => {
      const k = make();
      k.loadRegistry(registry([model("a", { categories: { code: { base_score: 1, confidence: 0 } } })]));
      expect(k.route(req("code_python"))).toMatchObject({ status: "ok", path: ["code_python", "code"], rejected: [] });
    });
  });

  describe(`${name}: GPU placement`, () => {
    const two = () =>
      registry([
        model("best", { categories: { code: { base_score: 30, confidence: 0 } }, memory_mb: { bf16: 30000 } }),
        model("second", { categories: { code: { base_score: 20, confidence: 0 } }, memory_mb: { bf16: 10000 } }),
      ]);

    it("no fleet: model-only routing with null placement", () => {
      const k = make();
      k.loadRegistry(two());
      expect(k.route(req("code")).results.map((r) => r.placement)).toEqual([null, null]);
    });

    it("the healthy, fresh GPU with the most free memory that fits (model + headroom)", () => {
      const k = make();
      k.loadRegistry(two());
      k.loadFleet([
        node("n1", NOW - 1000, [gpu(0, 40000), gpu(1, 60000)]),
        node("n2", NOW - 1000, [gpu(0, 50000)]),
      ]);
      const [best, second] = k.route(req("code")).results;
      expect(best!.placement).toEqual({ node: "n1", gpu_index: 1, engine: null, serving: false, stale: false });
      expect(second!.placement).toEqual({ node: "n1", gpu_index: 1, engine: null, serving: false, stale: false });
    });

    it("skips hot, busy and unknown-health GPUs", () => {
      const k = make();
      k.loadRegistry(two());
      k.loadFleet([
        node("hot", NOW, [gpu(0, 80000, { temperature_c: 80 })]),
        node("busy", NOW, [gpu(0, 79000, { utilization_pct: 95 })]),
        node("blind", NOW, [gpu(0, 78000, { temperature_c: null })]),
        node("ok", NOW, [gpu(0, 32000)]),
      ]);
      expect(k.route(req("code")).results[0]!.placement).toMatchObject({ node: "ok", gpu_index: 0 });
    });

    it("headroom counts: free must cover memory + headroom, unknown free never fits", () => {
      const k = make();
      k.loadRegistry(two());
      k.loadFleet([node("n", NOW, [gpu(0, 30999), gpu(1, null)])]);
      const r = k.route(req("code"));
      expect(r.results.map((x) => [x.model, x.placement?.gpu_index])).toEqual([["second", 0]]);
      expect(r.rejected).toEqual([{ model: "best", category: "code", reasons: L.REJECT_NO_GPU }]);
    });

    it("prefers a node that already serves the model over more free memory elsewhere", () => {
      const k = make();
      k.loadRegistry(two());
      k.loadFleet([node("big", NOW, [gpu(0, 80000)]), node("serving", NOW, [gpu(0, 31000), gpu(1, 50000, { temperature_c: 90 })], ["best"])]);
      const [best, second] = k.route(req("code")).results;
      expect(best!.placement).toEqual({ node: "serving", gpu_index: 0, engine: null, serving: true, stale: false });
      expect(second!.placement).toEqual({ node: "big", gpu_index: 0, engine: null, serving: false, stale: false });
    });

    it("a serving node needs only the headroom free, but a GPU large enough for the model", () => {
      const k = make();
      k.loadRegistry(two());
      // "best" needs 30,000 MiB: the serving node's GPU has 2,000 free (weights resident) and 81,920 in all.
      k.loadFleet([node("serving", NOW, [gpu(0, 2000)], ["best"])]);
      expect(k.route(req("code", {}, 1)).results[0]).toMatchObject({ model: "best", placement: { node: "serving", serving: true } });
      // A node that claims to serve it on a 24 GB GPU cannot hold it: never placed there.
      k.loadFleet([node("small", NOW, [gpu(0, 20000, { memory_total_mb: 24576 })], ["best"])]);
      const r = k.route(req("code", {}, 1));
      expect(r.results.map((x) => [x.model, x.placement])).toEqual([["second", { node: "small", gpu_index: 0, engine: null, serving: false, stale: false }]]);
      expect(r.rejected).toEqual([{ model: "best", category: "code", reasons: L.REJECT_NO_GPU }]);
      k.loadFleet([node("unknown", NOW, [gpu(0, 2000, { memory_total_mb: null })], ["best"])]);
      expect(k.route(req("code", {}, 1)).status).toBe("no_gpu");
    });

    it("stale nodes only as the last resort, and the result says so", () => {
      const k = make();
      k.loadRegistry(two());
      const staleAt = NOW - 15_000;
      k.loadFleet([node("old", staleAt, [gpu(0, 80000)]), node("fresh", NOW - 14_999, [gpu(0, 12000)])]);
      const r = k.route(req("code"));
      // The fresh GPU fits only "second": a fresh placement of a lower-ranked model beats a stale one.
      expect(r.results.map((x) => [x.model, x.placement])).toEqual([["second", { node: "fresh", gpu_index: 0, engine: null, serving: false, stale: false }]]);
      k.loadFleet([node("old", staleAt, [gpu(0, 80000)])]);
      expect(k.route(req("code")).results.map((x) => [x.model, x.placement])).toEqual([
        ["best", { node: "old", gpu_index: 0, engine: null, serving: false, stale: true }],
        ["second", { node: "old", gpu_index: 0, engine: null, serving: false, stale: true }],
      ]);
    });

    it("equal free memory: node id, then GPU index", () => {
      const k = make();
      k.loadRegistry(two());
      k.loadFleet([node("b", NOW, [gpu(1, 50000), gpu(0, 50000)]), node("a", NOW, [gpu(3, 50000), gpu(2, 50000)])]);
      expect(k.route(req("code")).results[0]!.placement).toMatchObject({ node: "a", gpu_index: 2 });
    });

    it("no_gpu when models fit the constraints but no GPU has room; falls back a level first", () => {
      const k = make();
      k.loadRegistry(registry([
        model("rust70b", { categories: { code_rust: { base_score: 50, confidence: 0 } }, memory_mb: { bf16: 140000 } }),
        model("code7b", { categories: { code: { base_score: 10, confidence: 0 } }, memory_mb: { bf16: 15000 } }),
      ]));
      k.loadFleet([node("n", NOW, [gpu(0, 24000)])]);
      const r = k.route(req("code_rust"));
      expect(r).toMatchObject({ status: "ok", path: ["code_rust", "code"], resolved: "code" });
      expect(r.rejected).toEqual([{ model: "rust70b", category: "code_rust", reasons: L.REJECT_NO_GPU }]);
      k.loadFleet([node("n", NOW, [gpu(0, 8000)])]);
      expect(k.route(req("code_rust"))).toMatchObject({ status: "no_gpu", resolved: null, results: [] });
    });

    const withPlacement = (r: Registry, gpuConfig: Partial<Registry["config"]["gpu"]>): Registry => ({ ...r, config: { ...r.config, gpu: { ...r.config.gpu, ...gpuConfig } } });
    const one = (extra: Partial<Registry["config"]["gpu"]> = {}) =>
      withPlacement(registry([model("m", { categories: { code: { base_score: 1, confidence: 0 } }, memory_mb: { bf16: 10000 } })]), extra);
    const seeded = (seed: number): KernelRequest => ({ ...req("code", {}, 1), seed });

    it("two choices: requests with different seeds spread over equal GPUs; one choice always takes the best", () => {
      // A node that serves the model on four equal GPUs: every request is a serving candidate there.
      const fleet = [node("n", NOW, [gpu(0, 50000), gpu(1, 50000), gpu(2, 50000), gpu(3, 50000)], ["m"])];
      const spread = make();
      spread.loadRegistry(one({ placement_choices: 2, request_load_pct: 0 }));
      spread.loadFleet(fleet);
      const used = new Set(Array.from({ length: 40 }, (_, i) => spread.route(seeded(i * 2654435761 >>> 0)).results[0]!.placement!.gpu_index));
      expect(used.size).toBeGreaterThanOrEqual(2);
      const best = make();
      best.loadRegistry(one({ placement_choices: 1, request_load_pct: 0 }));
      best.loadFleet([node("n", NOW, [gpu(0, 40000), gpu(1, 50000), gpu(2, 45000)])]);
      const picks = new Set(Array.from({ length: 20 }, (_, i) => best.route(seeded(i)).results[0]!.placement!.gpu_index));
      expect([...picks]).toEqual([1]);
    });

    it("with more serving GPUs than candidates, the seed rotates which nodes are offered", () => {
      const k = make();
      k.loadRegistry(one({ placement_choices: 2, request_load_pct: 0 }));
      const nodes = Array.from({ length: 80 }, (_, i) => node(`n${String(i).padStart(2, "0")}`, NOW, [gpu(0, 50000)], ["m"]));
      k.loadFleet(nodes);
      const used = new Set(Array.from({ length: 200 }, (_, i) => k.route({ ...seeded((i * 2654435761) >>> 0), record: false }).results[0]!.placement!.node));
      // Without the rotation only the first 64 nodes (n00–n63) could ever be chosen.
      expect([...used].some((n) => n >= "n64")).toBe(true);
      expect(used.size).toBeGreaterThan(40);
    });

    it("a load this kernel placed makes that GPU serve the model until the node reports again", () => {
      const k = make();
      k.loadRegistry(one({ request_load_pct: 0 }));
      k.loadFleet([node("a", NOW, [gpu(0, 60000)]), node("b", NOW, [gpu(0, 59000)])]);
      const first = k.route(seeded(1)).results[0]!;
      expect(first.placement).toEqual({ node: "a", gpu_index: 0, engine: null, serving: false, stale: false });
      // a now has 50,000 MiB effectively free (< b's 59,000) but it holds the model: it serves.
      const second = k.route(seeded(2)).results[0]!;
      expect(second.placement).toEqual({ node: "a", gpu_index: 0, engine: null, serving: true, stale: false });
      expect(k.ledger()).toEqual({
        entries: [
          { node: "a", gpu: 0, engine: null, model: "m", memory: 10000, serving: false, at_ms: NOW },
          { node: "a", gpu: 0, engine: null, model: "m", memory: 0, serving: true, at_ms: NOW },
        ],
      });
      // A snapshot of a taken after both placements reflects them: nothing is left to carry.
      k.loadFleet([node("a", NOW + 1000, [gpu(0, 50000)]), node("b", NOW, [gpu(0, 59000)])]);
      expect(k.ledger()).toEqual({ entries: [] });
    });

    it("reserved memory steers the next load elsewhere; the estimate never causes a refusal", () => {
      const k = make();
      const r = registry([
        model("big", { categories: { code: { base_score: 9, confidence: 0 } }, memory_mb: { bf16: 30000 } }),
        model("other", { categories: { math: { base_score: 1, confidence: 0 } }, memory_mb: { bf16: 30000 } }),
      ]);
      k.loadRegistry(withPlacement(r, { request_load_pct: 60 }));
      k.loadFleet([node("a", NOW, [gpu(0, 70000)]), node("b", NOW, [gpu(0, 40000)])]);
      expect(k.route({ ...req("code"), seed: 5 }).results[0]!.placement).toMatchObject({ node: "a", serving: false });
      // 70,000 − 30,000 reserved = 40,000: a tie with b on memory, b wins on estimated utilization.
      expect(k.route({ ...req("math"), seed: 5 }).results[0]!.placement).toMatchObject({ node: "b", serving: false });
      // Both GPUs are now over 95 % by estimate (10 + 60); the snapshot says they are fine, so it still places.
      const third = k.route({ ...req("code"), seed: 5 });
      expect(third.status).toBe("ok");
      expect(third.results[0]!.placement).toMatchObject({ node: "a", serving: true });
    });

    it("prefers GPUs with thermal headroom; a GPU within the margin only when nothing else fits", () => {
      const k = make();
      k.loadRegistry(one());
      k.loadFleet([node("warm", NOW, [gpu(0, 80000, { temperature_c: 76 })]), node("cool", NOW, [gpu(0, 40000, { temperature_c: 50 })])]);
      expect(k.route(seeded(1)).results[0]!.placement).toMatchObject({ node: "cool" });
      k.loadFleet([node("warm", NOW, [gpu(0, 80000, { temperature_c: 76 })])]);
      expect(k.route(seeded(1)).results[0]!.placement).toMatchObject({ node: "warm" });
    });

    it("a lower-ranked model with spare capacity beats queueing behind a saturated better one", () => {
      const k = make();
      k.loadRegistry(two());
      k.loadFleet([node("busy", NOW, [gpu(0, 5000, { utilization_pct: 90 })], ["best"]), node("idle", NOW, [gpu(0, 20000, { utilization_pct: 0 })])]);
      // 90 % + one request's 10 % reaches the 95 % limit: the first request still fits "best".
      expect(k.route(req("code", {}, 1)).results.map((r) => [r.model, r.placement?.node])).toEqual([["best", "busy"]]);
      expect(k.route(req("code", {}, 1)).results.map((r) => [r.model, r.placement?.node])).toEqual([["second", "idle"]]);
      // With every GPU saturated by estimate, the snapshot alone decides and the best model queues.
      k.loadFleet([node("busy", NOW, [gpu(0, 5000, { utilization_pct: 90 })], ["best"])]);
      k.route(req("code", {}, 1));
      expect(k.route(req("code", {}, 1)).results.map((r) => [r.model, r.placement?.node])).toEqual([["best", "busy"]]);
    });

    it("only the decision counts, not the alternatives", () => {
      const k = make();
      k.loadRegistry(two());
      k.loadFleet([node("n", NOW, [gpu(0, 80000)])]);
      const r = k.route(req("code"));
      expect(r.results).toHaveLength(2);
      expect(k.ledger()).toEqual({ entries: [{ node: "n", gpu: 0, engine: null, model: "best", memory: 30000, serving: false, at_ms: NOW }] });
    });

    it("a what-if decision (record: false) leaves the ledger alone", () => {
      const k = make();
      k.loadRegistry(two());
      k.loadFleet([node("n", NOW, [gpu(0, 80000)])]);
      const whatIf = k.route({ ...req("code"), record: false });
      expect(whatIf.results[0]!.placement).toMatchObject({ node: "n" });
      expect(k.ledger()).toEqual({ entries: [] });
    });

    it("the loads ring keeps the last 64 loads", () => {
      const k = make();
      const models = Array.from({ length: 70 }, (_, i) => model(`m${i}`, { categories: { code: { base_score: 1, confidence: 0 } }, memory_mb: { bf16: 10 } }));
      k.loadRegistry(withPlacement(registry(models), { request_load_pct: 0, memory_headroom_mb: 0 }));
      k.loadFleet([node("n", NOW, [gpu(0, 100000)])]);
      for (let i = 0; i < 70; i++) k.route({ ...req("code", { allow_models: [`m${i}`] }, 1), seed: i });
      const { loads, gpus } = countLedger(k.ledger());
      expect(loads).toHaveLength(L.LOADS_RING);
      expect(loads[0]!.model).toBe("m6");
      expect(loads[63]!.model).toBe("m69");
      expect(gpus.get(gpuKey("n", 0))).toEqual({ sent: 70, reserved: 700 });
    });

    it("a new registry version drops the old packing but keeps the fleet", () => {
      const k = make();
      k.loadRegistry(two());
      k.loadFleet([node("n", NOW, [gpu(0, 50000)])]);
      k.loadRegistry(registry([model("other", { categories: { math: { base_score: 1, confidence: 0 } } })]));
      const r = k.route(req("math"));
      expect(r.results.map((x) => [x.model, x.placement?.node])).toEqual([["other", "n"]]);
      expect(k.route(req("code")).status).toBe("no_model");
    });
  });
}
