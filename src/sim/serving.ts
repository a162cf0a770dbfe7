/**
 * The node side of the simulation: what happens to a request after the router picked a model and
 * a GPU. The node's server dispatches locally (a replica already resident on the node takes it),
 * otherwise loads the model on the GPU the router named, unloading idle models if it must; a load
 * that cannot fit fails the request with out-of-memory. Each resident model serves its own FIFO
 * queue with the GPU's slots, a request taking KV memory while it runs. Called by engine.ts.
 */
import type { PhysicsConfig } from "./config";
import type { EventQueue } from "./events";
import type { SimFleet } from "./fleet";
import { Gpu, type Resident, type SimRequest } from "./gpu";
import { Samples } from "./metrics";

/** Per-model constants, indexed like the registry's model list. */
export interface ModelTable {
  ids: string[];
  /** The name an engine serves each model under (its Hugging Face repo, vLLM's default). */
  served: string[];
  memory_mb: Float64Array;
  /** Seconds per output token. */
  s_per_token: Float64Array;
}

export class Counters {
  served = 0;
  failed_oom = 0;
  failed_timeout = 0;
  overheated_placements = 0;
  model_loads = 0;
  model_unloads = 0;
  quality_sum = 0;
  /** Slot-seconds the served requests needed at full speed (no throttling): the work done. */
  work_s = 0;
  readonly latency = new Samples();
  readonly wait = new Samples();
}

export class Serving {
  readonly counters = new Counters();

  constructor(
    private readonly fleet: SimFleet,
    private readonly models: ModelTable,
    private readonly physics: PhysicsConfig,
    private readonly events: EventQueue,
    /** The registry's health threshold: a placement on a GPU at or above it counts as overheated. */
    private readonly maxTemperature_c: number,
  ) {}

  /** A routed request reaches the node of GPU `g`. */
  dispatch(request: SimRequest, g: number, t: number): void {
    const resident = this.serveWhere(request, this.fleet.gpus[g]!, t);
    if (!resident) {
      this.counters.failed_oom++;
      return;
    }
    const gpu = this.fleet.gpus[resident.gpu]!;
    if (gpu.temperature(t) >= this.maxTemperature_c) this.counters.overheated_placements++;
    resident.queue.push(request);
    resident.last_used_s = t;
    this.start(gpu, t);
  }

  /**
   * Where the node serves a request the router sent to `named`: the model resident there; else an
   * idle replica on the node; else a new load on `named` (room for the weights and one request's
   * KV, unloading idle models); else a busy replica on the node to queue on; else nowhere (OOM).
   */
  private serveWhere(request: SimRequest, named: Gpu, t: number): Resident | undefined {
    const m = request.model;
    const found = named.residents.get(m) ?? this.replicaOnNode(named, m, true);
    if (found) return found;
    const memory = this.residentMemory(m, named);
    if (memory === null) return this.replicaOnNode(named, m, false);
    const room = named.makeRoom(t, memory + request.kv_mb, -1);
    this.counters.model_unloads += room.unloaded;
    if (!room.ok) return this.replicaOnNode(named, m, false);
    const resident: Resident = { model: m, gpu: named.id, memory_mb: memory, ready: false, running: 0, queue: [], head: 0, last_used_s: t };
    named.residents.set(m, resident);
    named.allocate(t, memory);
    this.counters.model_loads++;
    const load_s = this.physics.load_fixed_s + memory / 1024 / this.physics.load_gb_per_s;
    this.events.push(t + load_s, { kind: "loaded", gpu: named.id, resident });
    return resident;
  }

  /**
   * Memory model `m` holds once resident on `gpu`: its footprint, or with vLLM-style preallocation
   * the configured share of the GPU (null when the footprint does not fit in that share: the engine
   * would fail to start).
   */
  private residentMemory(m: number, gpu: Gpu): number | null {
    const footprint = this.models.memory_mb[m]!;
    const share = this.physics.prealloc_share;
    if (share === null) return footprint;
    const held = Math.floor(share * gpu.capacity_mb);
    return footprint <= held ? held : null;
  }

  /**
   * The least busy replica of model `m` on the node of `gpu`; with `idleOnly`, only a ready one
   * that can start the request at once (free slot, nobody waiting).
   */
  private replicaOnNode(gpu: Gpu, m: number, idleOnly: boolean): Resident | undefined {
    let best: Resident | undefined;
    for (const other of this.fleet.nodes[gpu.node]!.gpus) {
      const host = this.fleet.gpus[other]!;
      const r = host.residents.get(m);
      if (!r) continue;
      if (idleOnly && !(r.ready && r.head === r.queue.length && host.has_free_slot)) continue;
      if (!best || load(r) < load(best)) best = r;
    }
    return best;
  }

  /** Starts waiting requests while slots and KV memory allow, oldest request first. */
  start(gpu: Gpu, t: number): void {
    while (gpu.has_free_slot) {
      let best: Resident | null = null;
      for (const r of gpu.residents.values()) {
        if (!r.ready) continue;
        this.expire(r, t);
        if (r.head < r.queue.length && (!best || r.queue[r.head]!.arrival_s < best.queue[best.head]!.arrival_s)) best = r;
      }
      if (!best) return;
      const request = best.queue[best.head]!;
      const room = gpu.makeRoom(t, request.kv_mb, best.model);
      this.counters.model_unloads += room.unloaded;
      if (!room.ok) return;
      best.head++;
      if (best.head > 64 && best.head * 2 > best.queue.length) {
        best.queue = best.queue.slice(best.head);
        best.head = 0;
      }
      gpu.allocate(t, request.kv_mb);
      gpu.changeRunning(t, 1);
      best.running++;
      const service = (this.physics.prefill_s + request.tokens * this.models.s_per_token[request.model]!) * gpu.throttle(t);
      this.counters.wait.add(t - request.arrival_s);
      this.events.push(t + service, { kind: "complete", gpu: gpu.id, resident: best, request });
    }
  }

  complete(gpu: Gpu, resident: Resident, request: SimRequest, t: number): void {
    gpu.release(t, request.kv_mb);
    gpu.changeRunning(t, -1);
    resident.running--;
    resident.last_used_s = t;
    this.counters.served++;
    gpu.completed++;
    this.counters.latency.add(t - request.arrival_s);
    this.counters.quality_sum += request.quality;
    this.counters.work_s += this.physics.prefill_s + request.tokens * this.models.s_per_token[request.model]!;
    this.start(gpu, t);
  }

  loaded(gpu: Gpu, resident: Resident, t: number): void {
    resident.ready = true;
    this.start(gpu, t);
  }

  /** Drops queued requests whose client gave up (the queue is in arrival order). */
  expire(r: Resident, t: number): void {
    while (r.head < r.queue.length && t - r.queue[r.head]!.arrival_s > this.physics.timeout_s) {
      r.head++;
      this.counters.failed_timeout++;
    }
  }

  /** Periodic housekeeping: time out waiting requests, unload models idle for too long. */
  sweep(t: number): void {
    for (const gpu of this.fleet.gpus) {
      for (const r of [...gpu.residents.values()]) {
        this.expire(r, t);
        if (Gpu.isIdle(r) && t - r.last_used_s >= this.physics.idle_unload_s) {
          gpu.unload(t, r);
          this.counters.model_unloads++;
        }
      }
    }
  }

  /** Requests still queued or running. */
  inFlight(): number {
    let n = 0;
    for (const gpu of this.fleet.gpus) for (const r of gpu.residents.values()) n += r.running + r.queue.length - r.head;
    return n;
  }
}

function load(r: Resident): number {
  return r.running + r.queue.length - r.head;
}
