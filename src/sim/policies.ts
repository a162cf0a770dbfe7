/**
 * The routing policies the simulator compares, as data: which registry the router decides with
 * (registry edits), whether it sees live telemetry, and who picks the GPU (the kernel's placement
 * or a telemetry-blind placer). Every policy asks the real decide() for the model; a blind policy
 * simply gives the kernel no fleet, which is the kernel's model-only mode.
 */
import type { Registry } from "../registry/schema";
import type { SimFleet } from "./fleet";
import type { Random } from "./random";
import type { RouteOutcome } from "./router";

export interface RegistryEdit {
  name: string;
  apply(registry: Registry): Registry;
}

/** Static scores: base_score only (confidence 0 turns the benchmark term off). */
export const STATIC_SCORES: RegistryEdit = {
  name: "static scores",
  apply: (r) => ({
    ...r,
    models: r.models.map((m) => ({
      ...m,
      categories: Object.fromEntries(Object.entries(m.categories).map(([c, s]) => [c, { ...s, confidence: 0 }])),
    })),
  }),
};

/** Exact category only: no parents, so the kernel's fallback walk ends at the requested category. */
export const EXACT_CATEGORY: RegistryEdit = {
  name: "exact category only",
  apply: (r) => ({ ...r, categories: r.categories.map((c) => ({ ...c, parent: null })) }),
};

export interface PlaceInput {
  outcome: Extract<RouteOutcome, { status: "ok" }>;
  memory_mb: number;
}

/** Picks the GPU (position in fleet.gpus) for a decided model; -1 when it has none. */
export interface Placer {
  place(input: PlaceInput): number;
}

export interface PlacerContext {
  fleet: SimFleet;
  registry: Registry;
  random: Random;
}

export interface Policy {
  id: string;
  label: string;
  summary: string;
  edits: RegistryEdit[];
  /** The router reads agents' snapshots (stale between pushes); otherwise it sees no fleet. */
  live_telemetry: boolean;
  /** A fresh placer per run (placers keep cursors). */
  placer(context: PlacerContext): Placer;
}

/** The kernel's own placement, from the decision. */
const kernelPlacer = ({ fleet }: PlacerContext): Placer => ({
  place: ({ outcome }) => {
    const n = outcome.node === null ? undefined : fleet.nodeIndex.get(outcome.node);
    return n === undefined ? -1 : (fleet.nodes[n]!.gpus[outcome.gpu_index] ?? -1);
  },
});

/**
 * The old system's placement: GPUs are bucketed into the registry's fixed size tiers (a GPU
 * belongs to the largest tier it holds), a model goes to the smallest tier whose size holds it
 * (the next one up when the fleet has no GPU of that tier), and GPUs of a tier take turns.
 */
const tierRoundRobin = ({ fleet, registry }: PlacerContext): Placer => {
  const tiers = [...registry.config.gpu_classes].sort((a, b) => a.memory_mb - b.memory_mb);
  const members: number[][] = tiers.map(() => []);
  for (const gpu of fleet.gpus) {
    let tier = -1;
    tiers.forEach((t, i) => {
      if (t.memory_mb <= gpu.capacity_mb) tier = i;
    });
    if (tier >= 0) members[tier]!.push(gpu.id);
  }
  const cursor = tiers.map(() => 0);
  return {
    place: ({ memory_mb }) => {
      for (let i = 0; i < tiers.length; i++) {
        if (tiers[i]!.memory_mb < memory_mb || members[i]!.length === 0) continue;
        const list = members[i]!;
        return list[cursor[i]!++ % list.length]!;
      }
      return -1;
    },
  };
};

/** Baseline: GPUs in turn, skipping those too small to ever hold the model. */
const roundRobin = ({ fleet }: PlacerContext): Placer => {
  let cursor = 0;
  return {
    place: ({ memory_mb }) => {
      for (let tries = 0; tries < fleet.gpus.length; tries++) {
        const gpu = fleet.gpus[cursor++ % fleet.gpus.length]!;
        if (gpu.capacity_mb >= memory_mb) return gpu.id;
      }
      return -1;
    },
  };
};

/** Baseline: a uniformly random GPU among those large enough for the model. */
const randomPlacer = ({ fleet, random }: PlacerContext): Placer => {
  // Eligible GPUs per model footprint, computed once (a fleet can have 10,000 GPUs).
  const eligible = new Map<number, number[]>();
  return {
    place: ({ memory_mb }) => {
      let big = eligible.get(memory_mb);
      if (!big) {
        big = fleet.gpus.filter((g) => g.capacity_mb >= memory_mb).map((g) => g.id);
        eligible.set(memory_mb, big);
      }
      return big.length === 0 ? -1 : big[random.int(big.length)]!;
    },
  };
};

export const POLICIES: Policy[] = [
  {
    id: "static",
    label: "(a) static tiers",
    summary: "fixed 14/38/76 GB tiers, base scores, exact category, no telemetry",
    edits: [STATIC_SCORES, EXACT_CATEGORY],
    live_telemetry: false,
    placer: tierRoundRobin,
  },
  {
    id: "dynamic",
    label: "(b) dynamic",
    summary: "kernel placement on live telemetry, base scores, exact category",
    edits: [STATIC_SCORES, EXACT_CATEGORY],
    live_telemetry: true,
    placer: kernelPlacer,
  },
  {
    id: "dynamic-bench",
    label: "(c) dynamic + bench + fallback",
    summary: "the router as shipped: live telemetry, benchmark scores, hierarchical fallback",
    edits: [],
    live_telemetry: true,
    placer: kernelPlacer,
  },
  {
    id: "random",
    label: "random",
    summary: "model as (c) without telemetry, GPU uniformly at random among those large enough",
    edits: [],
    live_telemetry: false,
    placer: randomPlacer,
  },
  {
    id: "round-robin",
    label: "round-robin",
    summary: "model as (c) without telemetry, GPUs in turn (skipping too-small ones)",
    edits: [],
    live_telemetry: false,
    placer: roundRobin,
  },
];

/** The policy's registry: the base document with its edits applied in order. */
export function policyRegistry(policy: Policy, base: Registry): Registry {
  return policy.edits.reduce((r, edit) => edit.apply(r), base);
}
