/**
 * WASM kernel vs TS reference on random registries, fleets and requests: the same status, walk,
 * ranking, placements and rejections, scores equal within 1e-9. Ties are made likely on purpose
 * (small integer base scores, zero confidence) so the tie-break is exercised.
 */
import fc from "fast-check";
import { expect, it } from "vitest";
import kernelModule from "../../build/kernel.wasm";
import { ReferenceKernel } from "../../src/kernel/reference";
import type { FleetEngine, FleetNode, KernelRequest, KernelResult } from "../../src/kernel/types";
import { WasmKernel } from "../../src/kernel/wasm";
import { PRECISIONS, type Category, type Model, type Registry } from "../../src/registry/schema";
import { registry as baseRegistry } from "../support/builders";

const NOW = 1_800_000_000_000;
const BENCHMARKS = ["HumanEval", "MBPP", "GSM8K", "MATH"];

const categoriesArb = fc.integer({ min: 1, max: 8 }).chain((n) =>
  fc.tuple(
    ...Array.from({ length: n }, (_, i) =>
      fc.record({
        parent: i === 0 ? fc.constant(-1) : fc.integer({ min: -1, max: i - 1 }),
        benchmarks: fc.option(fc.subarray(BENCHMARKS), { nil: undefined }),
      }),
    ),
  ).map((specs): Category[] =>
    specs.map((s, i) => {
      const c: Category = { id: `c${i}`, parent: s.parent < 0 ? null : `c${s.parent}`, description: "" };
      return s.benchmarks === undefined ? c : { ...c, benchmarks: s.benchmarks };
    }),
  ),
);

const memoryArb = fc.record(
  // Whole thousands, like the free memory and the 1000 MiB headroom, so "exactly fits" happens often.
  { bf16: fc.integer({ min: 1, max: 90 }).map((x) => x * 1000), fp8: fc.integer({ min: 1, max: 45 }).map((x) => x * 1000), int4: fc.integer({ min: 1, max: 25 }).map((x) => x * 1000) },
  { requiredKeys: [] },
).filter((m) => Object.keys(m).length > 0);

function modelArb(categories: Category[], i: number): fc.Arbitrary<Model> {
  return fc
    .record({
      params_b: fc.constantFrom(1, 7, 13, 34, 70),
      context_length: fc.option(fc.constantFrom(4096, 8192, 32768), { nil: null }),
      memory_mb: memoryArb,
      served: fc.subarray(categories.map((c) => c.id), { minLength: 1 }),
      base: fc.integer({ min: 0, max: 5 }),
      confidence: fc.constantFrom(0, 0.5, 1, 0.33),
      scores: fc.subarray(BENCHMARKS).chain((names) => fc.tuple(...names.map((n) => fc.double({ min: 0, max: 100, noNaN: true }).map((s) => ({ name: n, score: s }))))),
    })
    .map((m) => {
      const precisions = PRECISIONS.filter((p) => m.memory_mb[p] !== undefined);
      return {
        id: `m${i}`,
        name: `m${i}`,
        hf_repo: `t/m${i}`,
        params_b: m.params_b,
        context_length: m.context_length,
        memory_mb: m.memory_mb,
        default_precision: precisions[i % precisions.length]!,
        categories: Object.fromEntries(m.served.map((c, j) => [c, { base_score: m.base + (j % 2), confidence: m.confidence }])),
        benchmarks: m.scores.map((s) => ({ ...s, setting: "", source: "https://example.org" })),
      };
    });
}

const placementArb = fc.record({ placement_choices: fc.constantFrom(1 as const, 2 as const), request_load_pct: fc.constantFrom(0, 10, 40) });
const servingArb = fc.record({
  saturation_waiting: fc.constantFrom(0, 1, 5),
  saturation_kv_cache_usage: fc.constantFrom(0.5, 0.8, 1),
  default_batch_capacity: fc.constantFrom(1, 8),
});
/** The assumed context of models whose context_length is unknown: absent, or on either side of a min_context. */
const defaultContextArb = fc.option(fc.constantFrom(4096, 16384), { nil: undefined });

const registryArb = categoriesArb.chain((categories) =>
  fc.tuple(fc.integer({ min: 1, max: 25 }), placementArb, servingArb, defaultContextArb).chain(([n, placement, serving, defaultContext]) =>
    fc.tuple(...Array.from({ length: n }, (_, i) => modelArb(categories, i))).map((models): Registry => {
      const r = baseRegistry(models, { categories });
      const config = { ...r.config, gpu: { ...r.config.gpu, ...placement }, serving };
      return { ...r, config: defaultContext === undefined ? config : { ...config, default_context_length: defaultContext } };
    }),
  ),
);

/** Served names: registry ids, Hugging Face repos in any case (t/m3, T/M3), and names the registry does not know. */
function engineArb(modelIds: string[], gpuCount: number, takenAt: number): fc.Arbitrary<FleetEngine> {
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 4 });
  const name = fc.oneof(
    fc.constantFrom(...modelIds),
    fc.constantFrom(...modelIds).map((id) => `t/${id}`),
    fc.constantFrom(...modelIds).map((id) => `T/${id.toUpperCase()}`),
    fc.constant("someone/unknown-model"),
  );
  return fc.record({
    kind: fc.constantFrom("vllm" as const, "ollama" as const),
    mode: fc.constantFrom("fixed" as const, "on_demand" as const),
    models: fc.array(name, { maxLength: 3 }),
    gpus: fc.option(fc.subarray(Array.from({ length: gpuCount }, (_, i) => i)), { nil: null }),
    running: maybe(fc.integer({ min: 0, max: 12 })),
    waiting: maybe(fc.integer({ min: 0, max: 8 })),
    kv_cache_usage: maybe(fc.constantFrom(0, 0.25, 0.5, 0.8, 1)),
    requests_total: fc.constant(null),
    read_at_ms: fc.constantFrom(takenAt, takenAt - 20_000),
  });
}

function fleetArb(modelIds: string[]): fc.Arbitrary<FleetNode[]> {
  const maybe = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null, freq: 8 });
  const gpuArb = (index: number) =>
    fc.record({
      index: fc.constant(index),
      uuid: fc.constant(`GPU-${index}`),
      name: fc.constant("t"),
      memory_total_mb: maybe(fc.constantFrom(24000, 50000, 100000)),
      memory_free_mb: maybe(fc.integer({ min: 0, max: 100 }).map((x) => x * 1000)),
      temperature_c: maybe(fc.integer({ min: 30, max: 95 })),
      utilization_pct: maybe(fc.integer({ min: 0, max: 100 })),
    });
  return fc.array(
    fc.record({
      gpuCount: fc.integer({ min: 0, max: 4 }),
      age: fc.constantFrom(0, 5000, 14_999, 15_000, 60_000),
      models: fc.subarray(modelIds, { maxLength: Math.min(3, modelIds.length) }),
      endpoint: fc.option(fc.constant("http://n:8000"), { nil: null, freq: 8 }),
    }).chain((n) =>
      fc.tuple(
        fc.constant(n),
        fc.tuple(...Array.from({ length: n.gpuCount }, (_, g) => gpuArb(g))),
        fc.array(engineArb(modelIds, n.gpuCount, NOW - n.age), { maxLength: 2 }),
      ),
    ),
    { maxLength: 6 },
  ).map((specs) =>
    specs.map(([n, gpus, engines], i) => ({ id: `n${(i * 7) % 10}${i}`, endpoint: n.endpoint, models: n.models, taken_at_ms: NOW - n.age, gpus, engines })),
  );
}

function requestArb(r: Registry): fc.Arbitrary<KernelRequest> {
  const ids = r.models.map((m) => m.id);
  // Node ids as fleetArb names them (n<i%10><i>), present or not.
  const nodeIds = Array.from({ length: 6 }, (_, i) => `n${(i * 7) % 10}${i}`);
  return fc.record({
    exclude_nodes: fc.option(fc.subarray(nodeIds), { nil: undefined }),
    category: fc.constantFrom(...r.categories.map((c) => c.id)),
    top_k: fc.integer({ min: 1, max: 6 }),
    now_ms: fc.constant(NOW),
    explain: fc.boolean(),
    seed: fc.nat({ max: 0xffffffff }),
    record: fc.option(fc.boolean(), { nil: undefined }),
    constraints: fc.record(
      {
        max_memory_mb: fc.integer({ min: 1000, max: 100000 }),
        min_context: fc.constantFrom(4096, 8192, 16384),
        max_params_b: fc.constantFrom(5, 20, 50),
        allow_models: fc.subarray(ids, { minLength: 1 }),
        deny_models: fc.subarray(ids),
        min_score: fc.integer({ min: 0, max: 30 }),
        precision: fc.constantFrom(...PRECISIONS),
      },
      { requiredKeys: [] },
    ),
  });
}

/** Scores compared within 1e-9; everything else exactly. */
function expectSame(wasm: KernelResult, reference: KernelResult): void {
  const strip = (r: KernelResult) => ({ ...r, results: r.results.map((c) => ({ ...c, score: null })) });
  expect(strip(wasm)).toEqual(strip(reference));
  wasm.results.forEach((c, i) => {
    const ref = reference.results[i]!.score;
    for (const key of ["total", "base", "benchmark", "confidence"] as const) expect(Math.abs(c.score[key] - ref[key])).toBeLessThanOrEqual(1e-9);
  });
}

/** A later view of the same fleet: some nodes pushed a new snapshot (new time, new numbers), others did not. */
function nextViewArb(fleet: FleetNode[]): fc.Arbitrary<FleetNode[]> {
  return fc.tuple(...fleet.map(() => fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 100 })))).map((changes) =>
    fleet.map((node, i) => {
      const [pushed, free] = changes[i]!;
      if (!pushed) return node;
      // Requests are decided at NOW: a node that was fresh (taken at NOW) reports after them and its entries go; older ones stay.
      return { ...node, taken_at_ms: node.taken_at_ms + 1000, gpus: node.gpus.map((g) => ({ ...g, memory_free_mb: free * 1000 })) };
    }),
  );
}

const ledgerOf = (k: WasmKernel | ReferenceKernel) => k.ledger();

it("WASM and reference agree on random registries, fleets, request sequences and fleet reloads", () => {
  fc.assert(
    fc.property(
      registryArb.chain((r) =>
        fleetArb(r.models.map((m) => m.id)).chain((fleet) =>
          fc.tuple(
            fc.constant(r),
            fc.constant(fleet),
            nextViewArb(fleet),
            fc.array(requestArb(r), { minLength: 1, maxLength: 12 }),
            fc.array(requestArb(r), { maxLength: 6 }),
            fc.constantFrom(1, 3),
          ),
        ),
      ),
      ([r, fleet, later, requests, afterReload, weight]) => {
        // Fresh kernels per case: the ledger is state, and each case starts from none.
        const w = new WasmKernel(kernelModule);
        const ref = new ReferenceKernel();
        for (const k of [w, ref]) {
          k.setOwnWeight(weight);
          k.loadRegistry(r);
          k.loadFleet(fleet);
        }
        for (const request of requests) expectSame(w.route(request), ref.route(request));
        expect(ledgerOf(w)).toEqual(ledgerOf(ref));
        w.loadFleet(later);
        ref.loadFleet(later);
        expect(ledgerOf(w)).toEqual(ledgerOf(ref));
        for (const request of afterReload) expectSame(w.route(request), ref.route(request));
        w.loadRegistry(r);
        ref.loadRegistry(r);
        expect(ledgerOf(w)).toEqual(ledgerOf(ref));
      },
    ),
    { numRuns: 300, seed: 20261126 },
  );
});
