/**
 * The fleet as replica sources, the one form both kernels place on (pack.ts packs it into WASM
 * memory, reference-placement.ts reads it directly), so the two cannot disagree on which engine
 * serves what. Per node, in this order:
 *   - each serving engine it reported, with the registry models its served names map to;
 *   - a pseudo engine for the registry ids the snapshot lists (`models`, the agent's --models)
 *     that no engine reports: a replica whose load is unknown;
 *   - for a node without engine data (GPU telemetry only), that pseudo engine is also its loader:
 *     any model that fits may be loaded there, as before engines existed.
 * A node without an endpoint contributes nothing: it is inventory, never a placement.
 */
import type { Registry } from "../registry/schema";
import type { FleetNode } from "./types";

export interface ReplicaSource {
  /** Position of the node in the fleet. */
  node: number;
  /** Position in node.engines; null for the pseudo engine. */
  ordinal: number | null;
  /** Running, waiting or KV-cache usage is known. */
  known: boolean;
  /** May load a model it does not serve. */
  onDemand: boolean;
  /** NaN = unknown. */
  running: number;
  waiting: number;
  kv: number;
  /** Requests it runs at once: running / KV usage when both are known and positive, else the registry's default. */
  capacity: number;
  read_at_ms: number;
  /** Positions in node.gpus. */
  gpus: number[];
  /** Registry model indices, ascending, no duplicates. */
  models: number[];
}

export interface ReplicaView {
  sources: ReplicaSource[];
  /** loaders[node][gpu position] = the source that may load onto that GPU, -1 = none. */
  loaders: number[][];
}

/**
 * Served name → registry model index: the registry id, and the Hugging Face repo
 * case-insensitively (the name vLLM, SGLang and TGI serve a model under by default).
 */
export function servedNameIndex(registry: Pick<Registry, "models">): Map<string, number> {
  const index = new Map<string, number>();
  registry.models.forEach((m, i) => {
    if (!index.has(m.id)) index.set(m.id, i);
    const repo = m.hf_repo.toLowerCase();
    if (!index.has(repo)) index.set(repo, i);
  });
  return index;
}

/** The registry model a served name stands for, or undefined. */
export function resolveServedName(names: ReadonlyMap<string, number>, name: string): number | undefined {
  return names.get(name) ?? names.get(name.toLowerCase());
}

const num = (v: number | null): number => (v === null ? NaN : v);

export function replicaView(nodes: readonly FleetNode[], names: ReadonlyMap<string, number>, defaultCapacity: number): ReplicaView {
  const sources: ReplicaSource[] = [];
  const loaders: number[][] = [];
  nodes.forEach((node, n) => {
    const gpuLoaders = node.gpus.map(() => -1);
    loaders.push(gpuLoaders);
    if (node.endpoint === null) return;
    const all = node.gpus.map((_, j) => j);
    const positionOf = new Map(node.gpus.map((g, j) => [g.index, j]));
    const served = new Set<number>();
    node.engines.forEach((engine, ordinal) => {
      const models = new Set<number>();
      for (const name of engine.models) {
        const m = resolveServedName(names, name);
        if (m !== undefined) models.add(m);
      }
      models.forEach((m) => served.add(m));
      const running = num(engine.running);
      const kv = num(engine.kv_cache_usage);
      const gpus = engine.gpus === null ? all : engine.gpus.flatMap((i) => (positionOf.has(i) ? [positionOf.get(i)!] : []));
      const source: ReplicaSource = {
        node: n,
        ordinal,
        known: engine.running !== null || engine.waiting !== null || engine.kv_cache_usage !== null,
        onDemand: engine.mode === "on_demand",
        running,
        waiting: num(engine.waiting),
        kv,
        capacity: running > 0 && kv > 0 ? running / kv : defaultCapacity,
        read_at_ms: engine.read_at_ms,
        gpus,
        models: [...models].sort((a, b) => a - b),
      };
      if (source.onDemand) for (const j of gpus) if (gpuLoaders[j] === -1) gpuLoaders[j] = sources.length;
      sources.push(source);
    });
    const listed = [...new Set(node.models.flatMap((id) => (names.has(id) ? [names.get(id)!] : [])))].filter((m) => !served.has(m));
    const legacy = node.engines.length === 0;
    if (listed.length === 0 && !legacy) return;
    if (legacy) for (const j of all) gpuLoaders[j] = sources.length;
    sources.push({
      node: n,
      ordinal: null,
      known: false,
      onDemand: legacy,
      running: NaN,
      waiting: NaN,
      kv: NaN,
      capacity: defaultCapacity,
      read_at_ms: node.taken_at_ms,
      gpus: all,
      models: listed.sort((a, b) => a - b),
    });
  });
  return { sources, loaders };
}
