/**
 * GET /v1/fleet's body: the fleet routing currently sees (the same cached view the kernel holds),
 * dressed with health, age and staleness judged by the live registry's thresholds at `now`.
 */
import { resolveServedName, servedNameIndex } from "../kernel/replicas";
import type { FleetEngine, FleetNode } from "../kernel/types";
import type { Registry, RegistryConfig } from "../registry/schema";
import { ageSeconds, gpuProblems, isHealthy, isStale } from "./health";
import type { FleetEngineView, FleetNodeView, FleetView } from "./schema";

export interface FleetViewInput {
  nodes: readonly FleetNode[];
  config: RegistryConfig;
  registryVersion: number;
  /** The live registry's models: engines' served names are shown with the registry ids they map to. */
  registryModels: Registry["models"];
  now_ms: number;
}

/** One engine as routing reads it: served names with their registry ids, load fields as reported (null = unknown). */
function engineView(engine: FleetEngine, names: ReadonlyMap<string, number>, models: Registry["models"]): FleetEngineView {
  const ids = new Set<string>();
  for (const name of engine.models) {
    const m = resolveServedName(names, name);
    if (m !== undefined) ids.add(models[m]!.id);
  }
  return {
    kind: engine.kind,
    mode: engine.mode,
    models: engine.models,
    registry_models: [...ids].sort(),
    gpus: engine.gpus,
    running: engine.running,
    waiting: engine.waiting,
    kv_cache_usage: engine.kv_cache_usage,
    requests_total: engine.requests_total,
    read_at: new Date(engine.read_at_ms).toISOString(),
    // The same rule as the kernel's replica sources (src/kernel/replicas.ts).
    load_known: engine.running !== null || engine.waiting !== null || engine.kv_cache_usage !== null,
  };
}

export function buildFleetView(input: FleetViewInput): FleetView {
  const thresholds = input.config.gpu;
  const names = servedNameIndex({ models: input.registryModels });
  const nodes: FleetNodeView[] = [...input.nodes]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((node) => {
      const stale = isStale(node, input.now_ms, thresholds);
      return {
        node: node.id,
        agent_version: node.agent_version ?? null,
        endpoint: node.endpoint,
        models: node.models,
        taken_at: new Date(node.taken_at_ms).toISOString(),
        age_s: ageSeconds(node, input.now_ms),
        stale,
        gpus: node.gpus.map((gpu) => {
          const problems = gpuProblems(gpu, thresholds);
          const healthy = isHealthy(problems);
          return { ...gpu, healthy, placeable: healthy && !stale && gpu.memory_free_mb !== null, problems };
        }),
        engines: node.engines.map((engine) => engineView(engine, names, input.registryModels)),
      };
    });
  const gpus = nodes.flatMap((n) => n.gpus);
  const placeable = gpus.filter((g) => g.placeable);
  return {
    now: new Date(input.now_ms).toISOString(),
    registry_version: input.registryVersion,
    thresholds: { ...thresholds },
    summary: {
      nodes: nodes.length,
      stale_nodes: nodes.filter((n) => n.stale).length,
      gpus: gpus.length,
      healthy_gpus: gpus.filter((g) => g.healthy).length,
      placeable_gpus: placeable.length,
      largest_free_mb: placeable.length > 0 ? Math.max(...placeable.map((g) => g.memory_free_mb!)) : null,
    },
    nodes,
  };
}
