/**
 * The telemetry path as the router experiences it: each node's agent samples its GPUs every push
 * interval, the snapshot becomes readable after a delay, and the router re-reads the fleet at most
 * once per view TTL (what RoutingContext does with CACHE_TTL_MS). Between re-reads the router's
 * picture is frozen, and a node whose pushes are lost ages until the kernel treats it as stale.
 *
 * The simulated agent builds the same Snapshot a real agent pushes (src/telemetry/snapshot.ts) and
 * the router reads it through the worker's own toFleetNode conversion.
 */
import type { FleetNode } from "../kernel/types";
import type { GpuReading } from "../telemetry/nvidia-smi/gpu";
import { toFleetNode, type Snapshot } from "../telemetry/snapshot";
import type { SimFleet } from "./fleet";

/** Simulated time 0 as wall-clock milliseconds (any fixed instant works; snapshots carry it). */
export const EPOCH_MS = Date.UTC(2026, 0, 1);

export function simToMs(t_s: number): number {
  return EPOCH_MS + Math.round(t_s * 1000);
}

/** What the simulated agent reports about models: the registry ids and the names engines serve them under. */
export interface ReportedModels {
  ids: readonly string[];
  served: readonly string[];
}

/**
 * The snapshot node `n`'s agent pushes at time t: the truth at that instant, as nvidia-smi and the
 * node's engines report it. With `engines`, each GPU runs one engine that loads models on demand
 * (like llama.cpp server's router mode, or Ollama) and reports, as /metrics would: the models ready
 * on it (a model still loading is not served yet), requests running and waiting, KV-cache usage
 * (running / slots: a request's KV cache takes one batch slot's share) and requests finished.
 * Without, the node lists every model resident on it (loading ones included) and no load.
 */
export function snapshotNode(fleet: SimFleet, n: number, t_s: number, models: ReportedModels, engines = true): Snapshot {
  const node = fleet.nodes[n]!;
  const resident = new Set<number>();
  const taken_at = new Date(simToMs(t_s)).toISOString();
  const gpus = node.gpus.map((g): GpuReading => {
    const gpu = fleet.gpus[g]!;
    for (const m of gpu.residents.keys()) resident.add(m);
    return {
      index: gpu.index,
      uuid: `GPU-sim-${gpu.id}`,
      name: `sim ${node.memory_gb} GB`,
      memory_total_mb: gpu.capacity_mb,
      memory_used_mb: gpu.used_mb,
      memory_free_mb: gpu.free_mb,
      memory_reserved_mb: 0,
      utilization_gpu_pct: Math.round(gpu.utilization_pct),
      utilization_memory_pct: null,
      temperature_c: Math.round(gpu.temperature(t_s)),
      power_draw_w: null,
      power_limit_w: null,
      pstate: null,
      throttle_reasons: null,
      ecc_errors_uncorrected: null,
      mig_mode: "disabled",
      mig_devices: [],
    };
  });
  return {
    agent_id: `${node.id}-agent`,
    node: node.id,
    endpoint: `http://${node.id}.sim:8000`,
    models: engines ? [] : [...resident].sort((a, b) => a - b).map((m) => models.ids[m]!),
    seq: simToMs(t_s),
    taken_at,
    driver_version: null,
    cuda_version: null,
    gpus,
    engines: engines
      ? node.gpus.map((g) => {
          const gpu = fleet.gpus[g]!;
          const ready = [...gpu.residents.values()].filter((r) => r.ready).map((r) => r.model).sort((a, b) => a - b);
          return {
            kind: "llamacpp" as const,
            mode: "on_demand" as const,
            models: ready.map((m) => models.served[m]!),
            gpus: [gpu.index],
            running: gpu.running,
            waiting: gpu.waiting,
            kv_cache_usage: gpu.running / gpu.slot_count,
            requests_total: gpu.completed,
            read_at: taken_at,
          };
        })
      : [],
  };
}

/** What the router reads for node `n` at time t: its snapshot through the worker's conversion. */
export function sampleNode(fleet: SimFleet, n: number, t_s: number, models: ReportedModels, engines = true): FleetNode {
  return toFleetNode(snapshotNode(fleet, n, t_s, models, engines));
}

/**
 * The snapshots the router can read: the latest delivered one per node. Each reader (a router
 * isolate) learns whether anything changed since its own last read.
 */
export class RouterView {
  private readonly latest: Array<FleetNode | null>;
  /** Bumped by every accepted delivery; the fleet generation readers see. */
  private version = 0;
  private readonly readAt: number[];

  constructor(nodes: number, readers = 1) {
    this.latest = new Array<FleetNode | null>(nodes).fill(null);
    this.readAt = new Array<number>(readers).fill(0);
  }

  /** A snapshot arrives; an older one than the node's current (reordered delivery) is ignored. */
  deliver(n: number, snapshot: FleetNode): void {
    const current = this.latest[n];
    if (current && current.taken_at_ms >= snapshot.taken_at_ms) return;
    this.latest[n] = snapshot;
    this.version++;
  }

  /** The fleet for `reader` to pack into its kernel, or null when nothing changed since its last read. */
  read(reader = 0): { generation: string; nodes: FleetNode[] } | null {
    if (this.readAt[reader] === this.version) return null;
    this.readAt[reader] = this.version;
    return { generation: String(this.version), nodes: this.latest.filter((n): n is FleetNode => n !== null) };
  }
}
