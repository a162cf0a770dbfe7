/**
 * The reference's GPU placement and its ledger, statement for statement the algorithm of
 * assembly/place.ts (read that file's header for the why). Used only by reference.ts.
 */
import * as L from "../../assembly/layout";
import type { RegistryConfig } from "../registry/schema";
import { orderGpus, type OrderedGpu } from "./fleet-order";
import { carryOver, emptyLedger, gpuKey, type Ledger } from "./ledger";
import type { FleetNode } from "./types";

export interface Placed {
  at: OrderedGpu;
  serving: boolean;
}

export interface PlaceRequest {
  model: string;
  memory: number;
  stale: boolean;
  /** Strict: utilization (with what was sent since) and thermal headroom; lenient: the snapshot alone. */
  strict: boolean;
  now_ms: number;
  seed: number;
}

export class ReferencePlacer {
  private nodes: readonly FleetNode[] = [];
  private sorted: OrderedGpu[] = [];
  private rank = new Map<OrderedGpu, number>();
  private keyOf = new Map<OrderedGpu, string>();
  private byKey = new Map<string, OrderedGpu>();
  /** Each node's GPUs in placement order. */
  private nodeGpus = new Map<FleetNode, OrderedGpu[]>();
  private ledger: Ledger = emptyLedger();
  private config: RegistryConfig["gpu"] | null = null;

  setConfig(config: RegistryConfig["gpu"], models: ReadonlySet<string>): void {
    this.config = config;
    this.load(this.nodes, models);
  }

  load(nodes: readonly FleetNode[], models: ReadonlySet<string>): void {
    this.ledger = carryOver(this.ledger, nodes, models);
    this.nodes = nodes;
    this.sorted = orderGpus(nodes);
    this.rank = new Map(this.sorted.map((o, r) => [o, r]));
    this.keyOf = new Map(this.sorted.map((o) => [o, gpuKey(o.node, o.gpu)]));
    this.byKey = new Map(this.sorted.map((o) => [gpuKey(o.node, o.gpu), o]));
    this.nodeGpus = new Map(nodes.map((n) => [n, []]));
    for (const o of this.sorted) this.nodeGpus.get(o.node)!.push(o);
  }

  get empty(): boolean {
    return this.sorted.length === 0;
  }

  private sent(o: OrderedGpu): number {
    return this.ledger.gpus.get(this.keyOf.get(o)!)?.sent ?? 0;
  }

  private estimatedUtil(o: OrderedGpu): number {
    return (o.gpu.utilization_pct ?? NaN) + this.sent(o) * this.config!.request_load_pct;
  }

  private effectiveFree(o: OrderedGpu): number {
    return (o.gpu.memory_free_mb ?? NaN) - (this.ledger.gpus.get(this.keyOf.get(o)!)?.reserved ?? 0);
  }

  private usable(o: OrderedGpu, request: PlaceRequest, strict: boolean): boolean {
    const c = this.config!;
    const healthy = o.gpu.temperature_c !== null && o.gpu.temperature_c < c.max_temperature_c && o.gpu.utilization_pct !== null && o.gpu.utilization_pct < c.max_utilization_pct;
    if (!healthy) return false;
    if (!(request.now_ms - o.node.taken_at_ms < c.stale_after_s * 1000) !== request.stale) return false;
    // healthy above guarantees a known temperature.
    return !strict || (this.estimatedUtil(o) < c.max_utilization_pct && o.gpu.temperature_c! < c.max_temperature_c - c.thermal_margin_c);
  }

  private better(a: OrderedGpu, b: OrderedGpu, serving: boolean): boolean {
    const [ua, ub, fa, fb] = [this.estimatedUtil(a), this.estimatedUtil(b), this.effectiveFree(a), this.effectiveFree(b)];
    if (serving) {
      if (ua !== ub) return ua < ub;
      if (fa !== fb) return fa > fb;
    } else {
      if (fa !== fb) return fa > fb;
      if (ua !== ub) return ua < ub;
    }
    return this.rank.get(a)! < this.rank.get(b)!;
  }

  private choose(candidates: OrderedGpu[], serving: boolean, seed: number): OrderedGpu | null {
    const count = candidates.length;
    if (count === 0) return null;
    if (count === 1) return candidates[0]!;
    if (this.config!.placement_choices < 2) return candidates.reduce((best, c) => (this.better(c, best, serving) ? c : best));
    const first = seed % count;
    let second = Math.floor(seed / count) % count;
    if (second === first) second = (first + 1) % count;
    const [a, b] = [candidates[first]!, candidates[second]!];
    return this.better(b, a, serving) ? b : a;
  }

  /** Serving nodes in fleet order, each node's GPUs in placement order; then this kernel's recent loads. */
  private servingCandidates(request: PlaceRequest, strict: boolean): OrderedGpu[] {
    const headroom = this.config!.memory_headroom_mb;
    const out: OrderedGpu[] = [];
    // Resident weights need only the headroom free, on a GPU large enough to hold them at all.
    const fits = (o: OrderedGpu) =>
      this.usable(o, request, strict) && this.effectiveFree(o) >= headroom && (o.gpu.memory_total_mb ?? NaN) >= request.memory;
    const serving = this.nodes.filter((node) => node.models.includes(request.model));
    // Rotated to start at a node the seed picks, as the kernel does.
    const start = serving.length > 0 ? request.seed % serving.length : 0;
    for (const node of [...serving.slice(start), ...serving.slice(0, start)]) {
      for (const o of this.nodeGpus.get(node)!) {
        if (out.length >= L.CANDIDATE_LIMIT) return out;
        if (fits(o)) out.push(o);
      }
    }
    for (const load of this.ledger.loads) {
      if (out.length >= L.CANDIDATE_LIMIT) break;
      const o = this.byKey.get(load.gpu);
      if (load.model !== request.model || !o || out.includes(o)) continue;
      if (fits(o)) out.push(o);
    }
    return out;
  }

  private loadCandidates(request: PlaceRequest, strict: boolean): OrderedGpu[] {
    const need = request.memory + this.config!.memory_headroom_mb;
    const out: OrderedGpu[] = [];
    for (const o of this.sorted) {
      if (out.length >= L.CANDIDATE_LIMIT || !((o.gpu.memory_free_mb ?? NaN) >= need)) break;
      if (this.usable(o, request, strict) && this.effectiveFree(o) >= need) out.push(o);
    }
    return out;
  }

  find(request: PlaceRequest): Placed | null {
    const serving = this.choose(this.servingCandidates(request, request.strict), true, request.seed);
    if (serving) return { at: serving, serving: true };
    const load = this.choose(this.loadCandidates(request, request.strict), false, request.seed);
    return load ? { at: load, serving: false } : null;
  }

  record(placed: Placed, model: string, memory: number): void {
    const key = this.keyOf.get(placed.at)!;
    const entry = this.ledger.gpus.get(key) ?? { sent: 0, reserved: 0 };
    entry.sent += 1;
    if (!placed.serving) {
      entry.reserved += memory;
      this.ledger.loads.push({ gpu: key, model });
      if (this.ledger.loads.length > L.LOADS_RING) this.ledger.loads.shift();
    }
    this.ledger.gpus.set(key, entry);
  }

  /** The ledger as the WASM kernel would report it (for tests). */
  snapshot(): Ledger {
    return { gpus: new Map([...this.ledger.gpus].map(([k, v]) => [k, { ...v }])), loads: [...this.ledger.loads] };
  }
}
