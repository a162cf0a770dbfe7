/**
 * The physical fleet of one simulation: nodes of one GPU class each, spread over sites. Built
 * from the config and a Random fork, so every policy of a run meets the same hardware.
 */
import { classMemoryMb, type SimConfig } from "./config";
import { Gpu } from "./gpu";
import type { Random } from "./random";

export interface SimNode {
  /** Node name as its agent reports it, e.g. "s1-n0042". */
  id: string;
  site: number;
  memory_gb: number;
  /** Positions of its GPUs in SimFleet.gpus, in GPU index order. */
  gpus: number[];
}

export interface SimFleet {
  nodes: SimNode[];
  gpus: Gpu[];
  nodeIndex: Map<string, number>;
}

/**
 * How many of `total` nodes get each class: shares scaled to the total, rounded by largest
 * remainder so the counts add up exactly and small fleets still get the mix as closely as they can.
 */
export function apportion(total: number, shares: readonly number[]): number[] {
  const sum = shares.reduce((a, b) => a + b, 0);
  const exact = shares.map((s) => (sum > 0 ? (s / sum) * total : 0));
  const counts = exact.map(Math.floor);
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, rest: x - Math.floor(x) })).sort((a, b) => b.rest - a.rest || a.i - b.i);
  for (const { i } of order) {
    if (left-- <= 0) break;
    counts[i]! += 1;
  }
  return counts;
}

/** Builds the fleet; node classes are shuffled so each site gets a mix. */
export function buildFleet(config: SimConfig, random: Random): SimFleet {
  const { fleet, physics } = config;
  const counts = apportion(fleet.nodes, fleet.classes.map((c) => c.share));
  const classes = counts.flatMap((n, i) => Array.from({ length: n }, () => fleet.classes[i]!.memory_gb));
  // Fisher-Yates with the layout stream.
  for (let i = classes.length - 1; i > 0; i--) {
    const j = random.int(i + 1);
    [classes[i], classes[j]] = [classes[j]!, classes[i]!];
  }
  const digits = Math.max(4, String(fleet.nodes).length);
  const nodes: SimNode[] = [];
  const gpus: Gpu[] = [];
  classes.forEach((memory_gb, n) => {
    const site = n % Math.max(1, fleet.sites);
    const node: SimNode = { id: `s${site}-n${String(n).padStart(digits, "0")}`, site, memory_gb, gpus: [] };
    for (let k = 0; k < fleet.gpus_per_node; k++) {
      let ambient = physics.ambient_c + (random.next() * 2 - 1) * physics.ambient_jitter_c;
      // A site degraded from the start is already hot when the run begins.
      if (config.degrade && config.degrade.from_s <= 0 && config.degrade.site === site) ambient += config.degrade.ambient_offset_c;
      const gpu = new Gpu(gpus.length, n, k, classMemoryMb(memory_gb), site, ambient, physics, fleet.slots);
      node.gpus.push(gpu.id);
      gpus.push(gpu);
    }
    nodes.push(node);
  });
  return { nodes, gpus, nodeIndex: new Map(nodes.map((node, i) => [node.id, i])) };
}
