// GPU placement: which GPU takes a model. Called by route() for each ranked candidate.
// GPUs are pre-sorted by the host (most free memory first, then node id, then GPU index), so
// "the most free memory that still fits" is the first healthy GPU of the wanted tier, and a
// GPU's rank alone breaks ties stably.
import {
  H_GPUS, H_GPU_NODE, H_GPU_FREE, H_GPU_TEMP, H_GPU_UTIL, H_GPU_HEALTHY, H_GPU_SORTED, H_GPU_RANK,
  H_NODE_TAKEN_AT, H_NODE_GPU_OFF, H_NODE_GPU_IDX, H_MODEL_NODE_OFF, H_MODEL_NODE_IDX,
  C_MAX_TEMPERATURE, C_MAX_UTILIZATION,
} from "./layout";
import { header, config, getI32, setI32, getF64 } from "./memory";

/** Set by findGpu: whether the GPU it returned sits on a node that already serves the model. */
export let foundOnServingNode: bool = false;

/** Healthy = temperature and utilization known and under the registry's thresholds. */
export function initFleet(): void {
  const gpus = header(H_GPUS);
  const maxTemperature = config(C_MAX_TEMPERATURE);
  const maxUtilization = config(C_MAX_UTILIZATION);
  for (let g = 0; g < gpus; g++) {
    const t = getF64(H_GPU_TEMP, g);
    const u = getF64(H_GPU_UTIL, g);
    // NaN (unknown) fails both comparisons: unknown is not healthy.
    setI32(H_GPU_HEALTHY, g, t < maxTemperature && u < maxUtilization ? 1 : 0);
  }
}

@inline function nodeIsStale(node: i32, now: f64, staleAfter: f64): bool {
  return !(now - getF64(H_NODE_TAKEN_AT, node) < staleAfter);
}

/**
 * Best GPU with at least `need` MiB free on a node of the wanted tier (fresh, or stale as the
 * last resort): nodes that already serve the model first, then any node. -1 when none fits.
 */
export function findGpu(model: i32, need: f64, stale: bool, now: f64, staleAfter: f64): i32 {
  let best = -1;
  let bestRank = 0x7fffffff;
  const nodesFrom = getI32(H_MODEL_NODE_OFF, model);
  const nodesTo = getI32(H_MODEL_NODE_OFF, model + 1);
  for (let i = nodesFrom; i < nodesTo; i++) {
    const node = getI32(H_MODEL_NODE_IDX, i);
    if (nodeIsStale(node, now, staleAfter) != stale) continue;
    const gpusTo = getI32(H_NODE_GPU_OFF, node + 1);
    for (let j = getI32(H_NODE_GPU_OFF, node); j < gpusTo; j++) {
      const g = getI32(H_NODE_GPU_IDX, j);
      if (getI32(H_GPU_HEALTHY, g) == 0) continue;
      // The node's first healthy GPU has its most free memory: fit there or nowhere on the node.
      if (getF64(H_GPU_FREE, g) >= need && getI32(H_GPU_RANK, g) < bestRank) {
        best = g;
        bestRank = getI32(H_GPU_RANK, g);
      }
      break;
    }
  }
  if (best >= 0) {
    foundOnServingNode = true;
    return best;
  }
  foundOnServingNode = false;
  const gpus = header(H_GPUS);
  for (let r = 0; r < gpus; r++) {
    const g = getI32(H_GPU_SORTED, r);
    if (getI32(H_GPU_HEALTHY, g) == 0) continue;
    if (nodeIsStale(getI32(H_GPU_NODE, g), now, staleAfter) != stale) continue;
    return getF64(H_GPU_FREE, g) >= need ? g : -1;
  }
  return -1;
}
