/**
 * The plain-TS reference of the routing kernel, over the unpacked registry and fleet objects.
 * It is the readable statement of the algorithm the AssemblyScript kernel implements; the
 * contract suite and the property test hold the two to the same answers (same ranking, same
 * rejections, scores equal within 1e-9). Keep the arithmetic in the same order as
 * assembly/score.ts and assembly/route.ts so the doubles come out identical.
 */
import * as L from "../../assembly/layout";
import type { Model, Precision, Registry } from "../registry/schema";
import { Taxonomy } from "../registry/taxonomy";
import type { Ledger } from "./ledger";
import { ReferencePlacer, type Placed } from "./reference-placement";
import type { FleetNode, Kernel, KernelCandidate, KernelPlacement, KernelRejection, KernelRequest, KernelResult } from "./types";

interface Entry {
  model: Model;
  index: number;
  base: number;
  confidence: number;
  benchmark: number;
}

interface Candidate {
  entry: Entry;
  total: number;
}

export class ReferenceKernel implements Kernel {
  private registry: Registry | null = null;
  private taxonomy = new Taxonomy([]);
  /** Per category: the models serving it, in registry order, with their benchmark score. */
  private entries = new Map<string, Entry[]>();
  private readonly placer = new ReferencePlacer();

  loadRegistry(registry: Registry): void {
    this.registry = registry;
    this.taxonomy = new Taxonomy(registry.categories);
    this.entries = new Map();
    for (const category of registry.categories) {
      const list: Entry[] = [];
      registry.models.forEach((model, index) => {
        const score = model.categories[category.id];
        if (!score) return;
        list.push({ model, index, base: score.base_score, confidence: score.confidence, benchmark: this.benchmarkScore(category.id, model) });
      });
      this.entries.set(category.id, list);
    }
    this.placer.setRegistry(registry);
  }

  loadFleet(nodes: readonly FleetNode[]): void {
    this.placer.load(nodes);
  }

  setOwnWeight(weight: number): void {
    if (!(weight >= 1)) throw new RangeError(`own-placement weight must be at least 1, got ${weight}`);
    this.placer.setOwnWeight(weight);
  }

  /** Weighted mean of the model's relevant results, in catalog order, scaled to 0–50; 0 without any. */
  private benchmarkScore(category: string, model: Model): number {
    const relevant = new Set(this.taxonomy.relevantBenchmarks(category));
    let weighted = 0;
    let weights = 0;
    for (const benchmark of this.registry!.benchmarks) {
      if (!relevant.has(benchmark.name)) continue;
      const result = model.benchmarks.find((r) => r.name === benchmark.name);
      if (!result) continue;
      weighted += result.score * benchmark.weight;
      weights += benchmark.weight;
    }
    if (weights <= 0) return 0;
    return weighted / weights / 100.0 * 50.0;
  }

  route(request: KernelRequest): KernelResult {
    const registry = this.registry;
    if (!registry) throw new Error("no registry loaded");
    if (!this.taxonomy.has(request.category)) throw new RangeError(`unknown category '${request.category}'`);
    const topK = Math.min(Math.max(Math.trunc(request.top_k), 1), L.MAX_RESULTS);
    const rejected: KernelRejection[] = [];
    const seen = new Set<number>();
    const reject = (entry: Entry, reasons: number, category: string): void => {
      if (seen.has(entry.index)) return;
      seen.add(entry.index);
      rejected.push({ model: entry.model.id, category, reasons });
    };
    const path: string[] = [];
    let modelsFitButNoGpu = false;
    for (const category of this.taxonomy.path(request.category)) {
      if (path.length >= L.MAX_DEPTH) break;
      path.push(category);
      const candidates: Candidate[] = [];
      for (const entry of this.entries.get(category) ?? []) {
        const total = entry.base + entry.benchmark * entry.confidence;
        const reasons = this.constraintReasons(entry.model, total, request);
        if (reasons !== 0) reject(entry, reasons, category);
        else candidates.push({ entry, total });
      }
      if (candidates.length === 0) continue;
      candidates.sort((a, b) => (a.total !== b.total ? b.total - a.total : a.entry.index - b.entry.index));
      const placed: Placed[] = [];
      const results = this.placeLevel(candidates, topK, request, placed, (c) => reject(c.entry, L.REJECT_NO_GPU, category));
      if (results.length > 0) {
        // Only the decision (the first result) counts against the fleet.
        if (placed[0] && request.record !== false) this.placer.record(placed[0], results[0]!.model, results[0]!.memory_mb, request.now_ms);
        return { status: "ok", path, resolved: category, results, rejected: request.explain ? rejected : [] };
      }
      modelsFitButNoGpu = true;
    }
    return { status: modelsFitButNoGpu ? "no_gpu" : "no_model", path, resolved: null, results: [], rejected };
  }

  private constraintReasons(model: Model, total: number, request: KernelRequest): number {
    const c = request.constraints;
    let reasons = 0;
    const memory = this.memoryFor(model, request);
    if (memory === undefined) reasons |= L.REJECT_PRECISION;
    else if (memory > (c.max_memory_mb ?? Infinity)) reasons |= L.REJECT_MEMORY;
    const context = model.context_length ?? this.registry!.config.default_context_length ?? null;
    if ((c.min_context ?? 0) > 0 && !(context !== null && context >= c.min_context!)) reasons |= L.REJECT_CONTEXT;
    if (model.params_b > (c.max_params_b ?? Infinity)) reasons |= L.REJECT_PARAMS;
    if (c.allow_models && !c.allow_models.includes(model.id)) reasons |= L.REJECT_NOT_ALLOWED;
    if (c.deny_models && c.deny_models.includes(model.id)) reasons |= L.REJECT_DENIED;
    if (total < (c.min_score ?? -Infinity)) reasons |= L.REJECT_MIN_SCORE;
    return reasons;
  }

  private precisionFor(model: Model, request: KernelRequest): Precision {
    return request.constraints.precision ?? model.default_precision;
  }

  private memoryFor(model: Model, request: KernelRequest): number | undefined {
    return model.memory_mb[this.precisionFor(model, request)];
  }

  /**
   * Best top_k candidates that get a GPU, in passes — fresh strict, fresh lenient, stale strict,
   * stale lenient — each only when the ones before it placed nothing.
   */
  private placeLevel(candidates: Candidate[], topK: number, request: KernelRequest, placed: Placed[], noGpu: (c: Candidate) => void): KernelCandidate[] {
    if (this.placer.empty) return candidates.slice(0, topK).map((c) => this.result(c, request, null));
    const results: KernelCandidate[] = [];
    const exclude = request.exclude_nodes && request.exclude_nodes.length > 0 ? new Set(request.exclude_nodes) : undefined;
    const attempt = (candidate: Candidate, stale: boolean, strict: boolean): boolean => {
      const model = candidate.entry.model;
      const found = this.placer.find({ model: model.id, memory: this.memoryFor(model, request)!, stale, strict, now_ms: request.now_ms, seed: (request.seed ?? 0) >>> 0, exclude });
      if (!found) return false;
      placed.push(found);
      results.push(this.result(candidate, request, { node: found.at.node.id, gpu_index: found.at.gpu.index, engine: found.source?.ordinal ?? null, serving: found.serving, stale }));
      return true;
    };
    let unplaced: Candidate[] = [];
    for (const candidate of candidates) {
      if (results.length >= topK) break;
      if (!attempt(candidate, false, true)) unplaced.push(candidate);
    }
    for (let pass = 1; pass < 4 && results.length === 0; pass++) {
      const stillUnplaced: Candidate[] = [];
      for (const candidate of unplaced) {
        if (results.length >= topK) break;
        if (!attempt(candidate, pass >= 2, pass % 2 === 0)) stillUnplaced.push(candidate);
      }
      unplaced = stillUnplaced;
    }
    unplaced.forEach(noGpu);
    return results;
  }

  private result(candidate: Candidate, request: KernelRequest, placement: KernelPlacement | null): KernelCandidate {
    const { entry, total } = candidate;
    return {
      model: entry.model.id,
      precision: this.precisionFor(entry.model, request),
      memory_mb: this.memoryFor(entry.model, request)!,
      score: { total, base: entry.base, benchmark: entry.benchmark, confidence: entry.confidence },
      placement,
    };
  }

  /** What this kernel placed since the current snapshots (see ledger.ts). */
  ledger(): Ledger {
    return this.placer.snapshot();
  }
}
