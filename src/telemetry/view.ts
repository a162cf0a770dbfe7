/**
 * GET /v1/fleet's body: the fleet routing currently sees (the same cached view the kernel holds),
 * dressed with health, age and staleness judged by the live registry's thresholds at `now`.
 */
import type { FleetNode } from "../kernel/types";
import type { RegistryConfig } from "../registry/schema";
import { ageSeconds, gpuProblems, isHealthy, isStale } from "./health";
import type { FleetNodeView, FleetView } from "./schema";

export interface FleetViewInput {
  nodes: readonly FleetNode[];
  config: RegistryConfig;
  registryVersion: number;
  now_ms: number;
}

export function buildFleetView(input: FleetViewInput): FleetView {
  const thresholds = input.config.gpu;
  const nodes: FleetNodeView[] = [...input.nodes]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((node) => {
      const stale = isStale(node, input.now_ms, thresholds);
      return {
        node: node.id,
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
