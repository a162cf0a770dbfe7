/**
 * One simulated GPU: the models resident on it, the requests queued and running, its memory, its
 * temperature and the integrals the report is built from. The engine (engine.ts) drives it; this
 * file holds the bookkeeping that must stay consistent (memory never above capacity, time
 * integrals advanced before any state change).
 */
import type { PhysicsConfig } from "./config";

/** A request in flight; only requests that reached a GPU exist as objects. */
export interface SimRequest {
  id: number;
  arrival_s: number;
  category: number;
  tokens: number;
  model: number;
  /** The chosen model's quality for the request's category (same table for every policy). */
  quality: number;
  kv_mb: number;
}

/** A model resident (or loading) on a GPU, with its own FIFO of waiting requests. */
export interface Resident {
  model: number;
  /** Position of the GPU it is resident on in the fleet's GPU list. */
  gpu: number;
  memory_mb: number;
  ready: boolean;
  running: number;
  queue: SimRequest[];
  head: number;
  last_used_s: number;
}

export class Gpu {
  used_mb = 0;
  running = 0;
  /** Requests served to completion on this GPU (the engine's finished-request counter). */
  completed = 0;
  readonly residents = new Map<number, Resident>();
  /** Temperature at `temp_at_s`; relaxes towards the load-dependent target in between. */
  private temp_c: number;
  private temp_at_s = 0;
  ambient_c: number;
  /** ∫ running dt, ∫ (running > 0) dt and ∫ used_mb dt since the start, advanced by accrue(). */
  busy_integral = 0;
  active_integral = 0;
  memory_integral = 0;
  private accrued_at_s = 0;
  /** Highest used/capacity ever reached; the tests hold it ≤ 1. */
  peak_memory_ratio = 0;

  constructor(
    /** Position in the fleet's GPU list. */
    readonly id: number,
    /** Position of its node in the fleet's node list, and its index on that node. */
    readonly node: number,
    readonly index: number,
    readonly capacity_mb: number,
    readonly site: number,
    ambient_c: number,
    private readonly physics: PhysicsConfig,
    private readonly slots: number,
  ) {
    this.ambient_c = ambient_c;
    this.temp_c = ambient_c;
  }

  get free_mb(): number {
    return this.capacity_mb - this.used_mb;
  }

  get has_free_slot(): boolean {
    return this.running < this.slots;
  }

  /** Requests queued on this GPU, for resident models that are ready or still loading. */
  get waiting(): number {
    let n = 0;
    for (const r of this.residents.values()) n += r.queue.length - r.head;
    return n;
  }

  get slot_count(): number {
    return this.slots;
  }

  /** Utilization as nvidia-smi would report it: the share of slots busy, in percent. */
  get utilization_pct(): number {
    return (100 * this.running) / this.slots;
  }

  /** Temperature now (first-order relaxation with the load held since the last change). */
  temperature(now_s: number): number {
    const target = this.ambient_c + (this.physics.heat_c * this.running) / this.slots;
    const dt = now_s - this.temp_at_s;
    if (dt > 0) {
      this.temp_c = target + (this.temp_c - target) * Math.exp(-dt / this.physics.tau_s);
      this.temp_at_s = now_s;
    }
    return this.temp_c;
  }

  /** Service-time multiplier from thermal throttling at the current temperature. */
  throttle(now_s: number): number {
    const over = this.temperature(now_s) - this.physics.throttle_from_c;
    return over <= 0 ? 1 : Math.min(this.physics.throttle_max, 1 + over * this.physics.throttle_per_c);
  }

  /** Advances the integrals to `now_s`; call before changing running or used_mb. */
  accrue(now_s: number): void {
    const dt = now_s - this.accrued_at_s;
    if (dt <= 0) return;
    this.busy_integral += this.running * dt;
    if (this.running > 0) this.active_integral += dt;
    this.memory_integral += this.used_mb * dt;
    this.accrued_at_s = now_s;
  }

  /** Changes the cooling (a degraded site); the temperature so far is settled first. */
  setAmbient(now_s: number, ambient_c: number): void {
    this.temperature(now_s);
    this.ambient_c = ambient_c;
  }

  /** Takes memory; the caller has checked free_mb (so the capacity invariant holds). */
  allocate(now_s: number, mb: number): void {
    if (mb > this.free_mb) throw new Error(`GPU ${this.id}: allocating ${mb} MiB with ${this.free_mb} free`);
    this.accrue(now_s);
    this.used_mb += mb;
    this.peak_memory_ratio = Math.max(this.peak_memory_ratio, this.used_mb / this.capacity_mb);
  }

  release(now_s: number, mb: number): void {
    this.accrue(now_s);
    this.used_mb -= mb;
  }

  /** One more (or one fewer) running request: temperature and integrals are settled first. */
  changeRunning(now_s: number, delta: number): void {
    this.temperature(now_s);
    this.accrue(now_s);
    this.running += delta;
  }

  /** A resident model nobody is using or waiting for, so it may be unloaded. */
  static isIdle(r: Resident): boolean {
    return r.ready && r.running === 0 && r.head === r.queue.length;
  }

  /**
   * Frees memory by unloading idle models, least recently used first, until `mb` MiB are free
   * (never `keep`). Returns whether it succeeded and how many models it unloaded.
   */
  makeRoom(now_s: number, mb: number, keep: number): { ok: boolean; unloaded: number } {
    if (this.free_mb >= mb) return { ok: true, unloaded: 0 };
    const idle = [...this.residents.values()].filter((r) => r.model !== keep && Gpu.isIdle(r));
    const reclaimable = idle.reduce((sum, r) => sum + r.memory_mb, 0);
    if (this.free_mb + reclaimable < mb) return { ok: false, unloaded: 0 };
    idle.sort((a, b) => a.last_used_s - b.last_used_s || a.model - b.model);
    let unloaded = 0;
    for (const r of idle) {
      if (this.free_mb >= mb) break;
      this.unload(now_s, r);
      unloaded++;
    }
    return { ok: true, unloaded };
  }

  unload(now_s: number, r: Resident): void {
    this.residents.delete(r.model);
    this.release(now_s, r.memory_mb);
  }
}
