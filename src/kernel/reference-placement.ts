/**
 * The reference's placement and its ledger, statement for statement the algorithm of
 * assembly/place.ts (read that file's header for the why), over the same replica sources
 * (replicas.ts). Used only by reference.ts.
 */
import * as L from "../../assembly/layout";
import type { Registry } from "../registry/schema";
import { orderGpus, type OrderedGpu } from "./fleet-order";
import { appendEntry, carryOver, countLedger, emptyLedger, engineKey, gpuKey, type Ledger, type LedgerCounts } from "./ledger";
import { replicaView, servedNameIndex, type ReplicaSource, type ReplicaView } from "./replicas";
import type { FleetNode } from "./types";

export interface Placed {
  at: OrderedGpu;
  serving: boolean;
  /** The replica source (serving engine, or loader) it went to; null when none. */
  source: ReplicaSource | null;
}

export interface PlaceRequest {
  model: string;
  memory: number;
  stale: boolean;
  /** Strict: unsaturated engines, utilization (with what was sent since) and thermal headroom; lenient: the snapshot alone. */
  strict: boolean;
  now_ms: number;
  seed: number;
  /** Node ids this request must not be placed on. */
  exclude?: ReadonlySet<string>;
}

interface Candidate {
  at: OrderedGpu;
  source: ReplicaSource | null;
}

export class ReferencePlacer {
  private nodes: readonly FleetNode[] = [];
  private sorted: OrderedGpu[] = [];
  private rank = new Map<OrderedGpu, number>();
  private keyOf = new Map<OrderedGpu, string>();
  private byKey = new Map<string, OrderedGpu>();
  /** [node position][gpu position] → its OrderedGpu. */
  private at: OrderedGpu[][] = [];
  private view: ReplicaView = { sources: [], loaders: [] };
  private log: Ledger = emptyLedger();
  private counts: LedgerCounts = countLedger(emptyLedger());
  private registry: Registry | null = null;
  private names = new Map<string, number>();
  private ownWeight = 1;

  setRegistry(registry: Registry): void {
    this.registry = registry;
    this.names = servedNameIndex(registry);
    this.load(this.nodes);
  }

  setOwnWeight(weight: number): void {
    this.ownWeight = weight;
  }

  load(nodes: readonly FleetNode[]): void {
    const registry = this.registry;
    this.log = carryOver(this.log, nodes, new Set(registry?.models.map((m) => m.id) ?? []));
    this.counts = countLedger(this.log);
    this.nodes = nodes;
    this.sorted = orderGpus(nodes);
    this.rank = new Map(this.sorted.map((o, r) => [o, r]));
    this.keyOf = new Map(this.sorted.map((o) => [o, gpuKey(o.node.id, o.gpu.index)]));
    this.byKey = new Map(this.sorted.map((o) => [gpuKey(o.node.id, o.gpu.index), o]));
    this.at = nodes.map(() => []);
    for (const o of this.sorted) this.at[o.nodeIndex]![o.node.gpus.indexOf(o.gpu)] = o;
    this.view = registry ? replicaView(nodes, this.names, registry.config.serving.default_batch_capacity) : { sources: [], loaders: [] };
  }

  get empty(): boolean {
    return this.sorted.length === 0;
  }

  private get gpu() {
    return this.registry!.config.gpu;
  }

  private sent(o: OrderedGpu): number {
    return this.counts.gpus.get(this.keyOf.get(o)!)?.sent ?? 0;
  }

  private estimatedUtil(o: OrderedGpu): number {
    return (o.gpu.utilization_pct ?? NaN) + this.sent(o) * this.gpu.request_load_pct;
  }

  private effectiveFree(o: OrderedGpu): number {
    return (o.gpu.memory_free_mb ?? NaN) - (this.counts.gpus.get(this.keyOf.get(o)!)?.reserved ?? 0);
  }

  private nodeFresh(node: FleetNode, now_ms: number): boolean {
    return now_ms - node.taken_at_ms < this.gpu.stale_after_s * 1000;
  }

  private healthy(o: OrderedGpu): boolean {
    const c = this.gpu;
    const t = o.gpu.temperature_c;
    const u = o.gpu.utilization_pct;
    return t !== null && t < c.max_temperature_c && u !== null && u < c.max_utilization_pct;
  }

  private usable(o: OrderedGpu, request: PlaceRequest, strict: boolean): boolean {
    const c = this.gpu;
    if (!this.healthy(o) || request.exclude?.has(o.node.id)) return false;
    if (this.nodeFresh(o.node, request.now_ms) === request.stale) return false;
    // healthy above guarantees a known temperature.
    return !strict || (this.estimatedUtil(o) < c.max_utilization_pct && o.gpu.temperature_c! < c.max_temperature_c - c.thermal_margin_c);
  }

  private coolEnough(o: OrderedGpu, strict: boolean): boolean {
    const c = this.gpu;
    return (o.gpu.temperature_c ?? NaN) < (strict ? c.max_temperature_c - c.thermal_margin_c : c.max_temperature_c);
  }

  private canServe(o: OrderedGpu, memory: number): boolean {
    return this.effectiveFree(o) >= this.gpu.memory_headroom_mb && (o.gpu.memory_total_mb ?? NaN) >= memory;
  }

  private ownLoad(s: ReplicaSource): number {
    if (s.ordinal === null) return 0;
    return (this.counts.engines.get(engineKey(this.nodes[s.node]!.id, s.ordinal)) ?? 0) * this.ownWeight;
  }

  private busy(s: ReplicaSource): number {
    if (!Number.isNaN(s.running)) return s.running;
    return Number.isNaN(s.kv) ? 0 : s.kv * s.capacity;
  }

  private waitingOf(s: ReplicaSource): number {
    return Number.isNaN(s.waiting) ? 0 : s.waiting;
  }

  loadFactor(s: ReplicaSource): number {
    return (this.busy(s) + this.waitingOf(s) + this.ownLoad(s)) / s.capacity;
  }

  saturated(s: ReplicaSource): boolean {
    const serving = this.registry!.config.serving;
    const inBatch = this.busy(s) + this.ownLoad(s);
    const queue = this.waitingOf(s) + Math.max(0, inBatch - s.capacity);
    let kv = inBatch / s.capacity;
    if (s.kv > kv) kv = s.kv;
    return queue >= serving.saturation_waiting || kv >= serving.saturation_kv_cache_usage;
  }

  private inTier(s: ReplicaSource, request: PlaceRequest): boolean {
    if (request.exclude?.has(this.nodes[s.node]!.id)) return false;
    let fresh = this.nodeFresh(this.nodes[s.node]!, request.now_ms);
    if (fresh && s.known) fresh = request.now_ms - s.read_at_ms < this.gpu.stale_after_s * 1000;
    return fresh !== request.stale;
  }

  private sourceGpus(s: ReplicaSource): OrderedGpu[] {
    return s.gpus.map((j) => this.at[s.node]![j]!).sort((a, b) => this.rank.get(a)! - this.rank.get(b)!);
  }



  private servingBetter(a: Candidate, b: Candidate): boolean {
    const ka = a.source?.known ?? false;
    const kb = b.source?.known ?? false;
    if (ka !== kb) return ka;
    if (ka) {
      const [la, lb] = [this.loadFactor(a.source!), this.loadFactor(b.source!)];
      if (la !== lb) return la < lb;
    } else {
      const [ua, ub, fa, fb] = [this.estimatedUtil(a.at), this.estimatedUtil(b.at), this.effectiveFree(a.at), this.effectiveFree(b.at)];
      if (ua !== ub) return ua < ub;
      if (fa !== fb) return fa > fb;
    }
    return this.rank.get(a.at)! < this.rank.get(b.at)!;
  }

  private loadBetter(a: Candidate, b: Candidate): boolean {
    const [fa, fb, ua, ub] = [this.effectiveFree(a.at), this.effectiveFree(b.at), this.estimatedUtil(a.at), this.estimatedUtil(b.at)];
    if (fa !== fb) return fa > fb;
    if (ua !== ub) return ua < ub;
    return this.rank.get(a.at)! < this.rank.get(b.at)!;
  }

  private choose(candidates: Candidate[], serving: boolean, seed: number): Candidate | null {
    const better = (a: Candidate, b: Candidate) => (serving ? this.servingBetter(a, b) : this.loadBetter(a, b));
    const count = candidates.length;
    if (count === 0) return null;
    if (count === 1) return candidates[0]!;
    if (this.gpu.placement_choices < 2) return candidates.reduce((best, c) => (better(c, best) ? c : best));
    const first = seed % count;
    let second = Math.floor(seed / count) % count;
    if (second === first) second = (first + 1) % count;
    const [a, b] = [candidates[first]!, candidates[second]!];
    return better(b, a) ? b : a;
  }

  private loaderOf(o: OrderedGpu): ReplicaSource | null {
    const e = this.view.loaders[o.nodeIndex]?.[o.node.gpus.indexOf(o.gpu)] ?? -1;
    return e >= 0 ? this.view.sources[e]! : null;
  }

  /** Replicas of the model (rotated to start at one the seed picks, as the kernel does), then this kernel's recent loads of it. */
  private servingCandidates(request: PlaceRequest, strict: boolean): Candidate[] {
    const m = this.names.get(request.model)!;
    const out: Candidate[] = [];
    const replicas = this.view.sources.filter((s) => s.models.includes(m));
    const start = replicas.length > 0 ? request.seed % replicas.length : 0;
    for (const s of [...replicas.slice(start), ...replicas.slice(0, start)]) {
      if (out.length >= L.CANDIDATE_LIMIT) return out;
      if (!this.inTier(s, request)) continue;
      if (s.known) {
        // One candidate per engine: its load is the engine's, whichever of its GPUs runs the request.
        if (strict && this.saturated(s)) continue;
        const o = this.sourceGpus(s).find((g) => this.coolEnough(g, strict));
        if (o) out.push({ at: o, source: s });
        continue;
      }
      // Load unknown: each usable GPU is a candidate, scored by its own utilization.
      for (const o of this.sourceGpus(s)) {
        if (out.length >= L.CANDIDATE_LIMIT) return out;
        if (out.some((c) => c.at === o) || !this.usable(o, request, strict) || !this.canServe(o, request.memory)) continue;
        out.push({ at: o, source: s });
      }
    }
    for (const load of this.counts.loads) {
      if (out.length >= L.CANDIDATE_LIMIT) break;
      const o = this.byKey.get(load.gpu);
      if (load.model !== request.model || !o || out.some((c) => c.at === o)) continue;
      const s = this.loaderOf(o);
      if (s?.known) {
        if (!this.inTier(s, request) || !this.coolEnough(o, strict) || (strict && this.saturated(s))) continue;
      } else if (!this.usable(o, request, strict) || !this.canServe(o, request.memory)) {
        continue;
      }
      out.push({ at: o, source: s });
    }
    return out;
  }

  private loadable(o: OrderedGpu, request: PlaceRequest, strict: boolean): boolean {
    const s = this.loaderOf(o);
    if (!s || !this.usable(o, request, strict)) return false;
    return !(strict && s.known && this.saturated(s));
  }

  /** GPUs with room by their snapshot, from one the seed picks (with two choices) around the list. */
  private loadCandidates(request: PlaceRequest, strict: boolean): Candidate[] {
    const need = request.memory + this.gpu.memory_headroom_mb;
    const fitting = this.sorted.filter((o) => (o.gpu.memory_free_mb ?? NaN) >= need);
    const start = this.gpu.placement_choices < 2 || fitting.length === 0 ? 0 : request.seed % fitting.length;
    const out: Candidate[] = [];
    for (const o of [...fitting.slice(start), ...fitting.slice(0, start)]) {
      if (out.length >= L.CANDIDATE_LIMIT) break;
      if (this.loadable(o, request, strict) && this.effectiveFree(o) >= need) out.push({ at: o, source: this.loaderOf(o) });
    }
    return out;
  }

  find(request: PlaceRequest): Placed | null {
    const serving = this.choose(this.servingCandidates(request, request.strict), true, request.seed);
    if (serving) return { at: serving.at, serving: true, source: serving.source };
    const load = this.choose(this.loadCandidates(request, request.strict), false, request.seed);
    return load ? { at: load.at, serving: false, source: load.source } : null;
  }

  record(placed: Placed, model: string, memory: number, now_ms: number): void {
    const entry = {
      node: placed.at.node.id,
      gpu: placed.at.gpu.index,
      engine: placed.source?.ordinal ?? null,
      model,
      memory: placed.serving ? 0 : memory,
      serving: placed.serving,
      at_ms: now_ms,
    };
    appendEntry(this.log, entry);
    // The counts countLedger would give, kept up to date one entry at a time.
    const key = gpuKey(entry.node, entry.gpu);
    const gpu = this.counts.gpus.get(key) ?? { sent: 0, reserved: 0 };
    gpu.sent += 1;
    gpu.reserved += entry.memory;
    this.counts.gpus.set(key, gpu);
    if (entry.engine !== null) {
      const ek = engineKey(entry.node, entry.engine);
      this.counts.engines.set(ek, (this.counts.engines.get(ek) ?? 0) + 1);
    }
    if (!entry.serving) {
      this.counts.loads.push({ gpu: key, model });
      if (this.counts.loads.length > L.LOADS_RING) this.counts.loads.shift();
    }
  }

  /** The ledger as the WASM kernel would report it (for tests). */
  snapshot(): Ledger {
    return { entries: this.log.entries.slice() };
  }
}
