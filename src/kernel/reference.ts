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
import { orderGpus, type OrderedGpu } from "./fleet-order";
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
  private nodes: readonly FleetNode[] = [];
  private gpus: OrderedGpu[] = [];

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
  }

  loadFleet(nodes: readonly FleetNode[]): void {
    this.nodes = nodes;
    this.gpus = orderGpus(nodes);
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
      const results = this.placeLevel(candidates, topK, request, (c) => reject(c.entry, L.REJECT_NO_GPU, category));
      if (results.length > 0) return { status: "ok", path, resolved: category, results, rejected: request.explain ? rejected : [] };
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
    if ((c.min_context ?? 0) > 0 && !(model.context_length !== null && model.context_length >= c.min_context!)) reasons |= L.REJECT_CONTEXT;
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

  /** Best top_k candidates that get a GPU: fresh nodes first, stale ones only when no candidate fits a fresh one. */
  private placeLevel(candidates: Candidate[], topK: number, request: KernelRequest, noGpu: (c: Candidate) => void): KernelCandidate[] {
    if (this.gpus.length === 0) return candidates.slice(0, topK).map((c) => this.result(c, request, null));
    const results: KernelCandidate[] = [];
    let unplaced: Candidate[] = [];
    for (const candidate of candidates) {
      if (results.length >= topK) break;
      const placement = this.findGpu(candidate.entry.model, request, false);
      if (placement) results.push(this.result(candidate, request, placement));
      else unplaced.push(candidate);
    }
    if (results.length === 0) {
      const stillUnplaced: Candidate[] = [];
      for (const candidate of unplaced) {
        if (results.length >= topK) break;
        const placement = this.findGpu(candidate.entry.model, request, true);
        if (placement) results.push(this.result(candidate, request, placement));
        else stillUnplaced.push(candidate);
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

  private isHealthy(gpu: OrderedGpu["gpu"]): boolean {
    const gpuConfig = this.registry!.config.gpu;
    return (
      gpu.temperature_c !== null && gpu.temperature_c < gpuConfig.max_temperature_c &&
      gpu.utilization_pct !== null && gpu.utilization_pct < gpuConfig.max_utilization_pct
    );
  }

  private isStale(node: FleetNode, request: KernelRequest): boolean {
    return !(request.now_ms - node.taken_at_ms < this.registry!.config.gpu.stale_after_s * 1000);
  }

  /** The first healthy GPU in placement order on a node of the wanted tier, serving nodes first. */
  private findGpu(model: Model, request: KernelRequest, stale: boolean): KernelPlacement | null {
    const need = this.memoryFor(model, request)! + this.registry!.config.gpu.memory_headroom_mb;
    const fits = (o: OrderedGpu): boolean => o.gpu.memory_free_mb !== null && o.gpu.memory_free_mb >= need;
    const tier = (o: OrderedGpu): boolean => this.isStale(o.node, request) === stale;
    const serving = this.gpus.filter((o) => o.node.models.includes(model.id) && tier(o) && this.isHealthy(o.gpu));
    // Per serving node only its best healthy GPU counts; the first in global order that fits wins.
    const bestPerNode = new Map<string, OrderedGpu>();
    for (const o of serving) if (!bestPerNode.has(o.node.id)) bestPerNode.set(o.node.id, o);
    const onServing = [...bestPerNode.values()].filter(fits).sort((a, b) => this.gpus.indexOf(a) - this.gpus.indexOf(b))[0];
    if (onServing) return this.placement(onServing, true, stale);
    const first = this.gpus.find((o) => this.isHealthy(o.gpu) && tier(o));
    return first && fits(first) ? this.placement(first, false, stale) : null;
  }

  private placement(o: OrderedGpu, serving: boolean, stale: boolean): KernelPlacement {
    return { node: o.node.id, gpu_index: o.gpu.index, serving, stale };
  }
}
