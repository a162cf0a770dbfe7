/**
 * Seeded synthetic registries and fleets of any size, for the property test, the kernel bench
 * and the simulator. Deterministic: the same seed gives the same document.
 */
import type { Registry, Model, Category } from "../../src/registry/schema";
import type { FleetNode } from "../../src/kernel/types";
import { DEMO_REGISTRY } from "../../src/registry/store";

/** mulberry32: small, fast, good enough to shuffle test data; never used by routing itself. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DEMO: Registry = DEMO_REGISTRY;

export interface SyntheticOptions {
  models: number;
  seed: number;
  /** Categories each model serves (drawn from the demo taxonomy). */
  categoriesPerModel?: number;
}

/** A registry with the demo taxonomy, catalog and config and `models` random models. */
export function syntheticRegistry(options: SyntheticOptions): Registry {
  const rand = prng(options.seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
  const categories: Category[] = DEMO.categories;
  const perModel = options.categoriesPerModel ?? 4;
  const models: Model[] = [];
  for (let i = 0; i < options.models; i++) {
    const params = Math.round((0.5 + rand() * 80) * 10) / 10;
    const served: Model["categories"] = {};
    for (let k = 0; k < perModel; k++) {
      served[pick(categories).id] = { base_score: Math.round(rand() * 40), confidence: Math.round(rand() * 100) / 100 };
    }
    const benchmarks = DEMO.benchmarks.filter(() => rand() < 0.6).map((b) => ({
      name: b.name,
      score: Math.round(rand() * 1000) / 10,
      setting: "synthetic",
      source: "https://example.org/synthetic",
    }));
    const bf16 = Math.ceil(params * 1e9 * 2 / 1048576 * 1.2 + 1024);
    models.push({
      id: `m${i}`,
      name: `Synthetic ${i}`,
      hf_repo: `synthetic/m${i}`,
      params_b: params,
      context_length: rand() < 0.1 ? null : pick([4096, 8192, 32768, 131072]),
      memory_mb: { bf16, fp8: Math.ceil(bf16 / 2), int4: Math.ceil(bf16 / 3.5) },
      default_precision: pick(["bf16", "fp8", "int4"] as const),
      categories: served,
      benchmarks,
    });
  }
  return { ...DEMO, version: 1, models };
}

export interface SyntheticFleetOptions {
  gpus: number;
  gpusPerNode?: number;
  seed: number;
  now_ms: number;
  /** Model ids nodes may claim to serve. */
  modelIds?: readonly string[];
}

const GPU_CLASSES = [16384, 24576, 40960, 81920, 143771];

export function syntheticFleet(options: SyntheticFleetOptions): FleetNode[] {
  const rand = prng(options.seed);
  const perNode = options.gpusPerNode ?? 8;
  const nodes: FleetNode[] = [];
  for (let g = 0, n = 0; g < options.gpus; n++) {
    const total = GPU_CLASSES[Math.floor(rand() * GPU_CLASSES.length)]!;
    const count = Math.min(perNode, options.gpus - g);
    const models = options.modelIds && options.modelIds.length > 0 && rand() < 0.5 ? [options.modelIds[Math.floor(rand() * options.modelIds.length)]!] : [];
    nodes.push({
      id: `node-${String(n).padStart(5, "0")}`,
      endpoint: `http://10.0.${n >> 8}.${n & 255}:8000`,
      models,
      taken_at_ms: options.now_ms - Math.floor(rand() * 30_000),
      engines: [],
      gpus: Array.from({ length: count }, (_, index) => ({
        index,
        uuid: `GPU-${n}-${index}`,
        name: "synthetic",
        memory_total_mb: total,
        memory_free_mb: rand() < 0.05 ? null : Math.floor(rand() * total),
        temperature_c: rand() < 0.05 ? null : Math.floor(30 + rand() * 60),
        utilization_pct: rand() < 0.05 ? null : Math.floor(rand() * 100),
      })),
    });
    g += count;
  }
  return nodes;
}
