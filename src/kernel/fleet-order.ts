/**
 * The one GPU order both kernels use: most free memory first (unknown last), then node id, then
 * GPU index. "Best GPU" is the first qualifying GPU in this order, so it is also the tie-break.
 */
import type { FleetGpu, FleetNode } from "./types";

export interface OrderedGpu {
  node: FleetNode;
  nodeIndex: number;
  gpu: FleetGpu;
}

export function compareGpus(a: OrderedGpu, b: OrderedGpu): number {
  const fa = a.gpu.memory_free_mb ?? -Infinity;
  const fb = b.gpu.memory_free_mb ?? -Infinity;
  if (fa !== fb) return fb - fa;
  if (a.node.id !== b.node.id) return a.node.id < b.node.id ? -1 : 1;
  return a.gpu.index - b.gpu.index;
}

/** All GPUs of the fleet in placement order; nodeIndex is the node's position in `nodes`. */
export function orderGpus(nodes: readonly FleetNode[]): OrderedGpu[] {
  const all: OrderedGpu[] = [];
  nodes.forEach((node, nodeIndex) => node.gpus.forEach((gpu) => all.push({ node, nodeIndex, gpu })));
  return all.sort(compareGpus);
}
