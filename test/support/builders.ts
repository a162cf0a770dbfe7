/**
 * Small hand-made registries and fleets for contract tests: every number in them is chosen so
 * the expected answer can be computed by hand in the test.
 */
import type { Category, Model, Registry } from "../../src/registry/schema";
import type { FleetEngine, FleetGpu, FleetNode } from "../../src/kernel/types";
import { DEMO_REGISTRY } from "../../src/registry/store";

export const TINY_CATEGORIES: Category[] = [
  { id: "code", parent: null, description: "code", benchmarks: ["HumanEval", "MBPP"] },
  { id: "code_python", parent: "code", description: "python", benchmarks: ["HumanEval"] },
  { id: "code_rust", parent: "code", description: "rust" },
  { id: "math", parent: null, description: "math", benchmarks: ["GSM8K", "MATH"] },
  { id: "chat", parent: null, description: "no benchmarks", benchmarks: [] },
];

export function model(id: string, overrides: Partial<Model> = {}): Model {
  return {
    id,
    name: id,
    hf_repo: `test/${id}`,
    params_b: 7,
    context_length: 32768,
    memory_mb: { bf16: 16000, fp8: 8000, int4: 5000 },
    default_precision: "bf16",
    categories: {},
    benchmarks: [],
    ...overrides,
  };
}

export function bench(name: string, score: number) {
  return { name, score, setting: "test", source: "https://example.org/test" };
}

export function registry(models: Model[], overrides: Partial<Registry> = {}): Registry {
  return {
    schema_version: 1,
    version: 1,
    config: {
      ...DEMO_REGISTRY.config,
      // One choice: the contract pins "the best GPU"; the power-of-two draw has its own tests.
      gpu: { max_temperature_c: 80, max_utilization_pct: 95, stale_after_s: 15, memory_headroom_mb: 1000, request_load_pct: 10, thermal_margin_c: 5, placement_choices: 1 },
    },
    benchmarks: [
      { name: "HumanEval", weight: 1.0, description: "" },
      { name: "MBPP", weight: 0.8, description: "" },
      { name: "GSM8K", weight: 1.2, description: "" },
      { name: "MATH", weight: 1.0, description: "" },
    ],
    categories: TINY_CATEGORIES,
    models,
    ...overrides,
  };
}

export function gpu(index: number, free: number | null, overrides: Partial<FleetGpu> = {}): FleetGpu {
  return {
    index,
    uuid: `GPU-${index}`,
    name: "test",
    memory_total_mb: 81920,
    memory_free_mb: free,
    temperature_c: 50,
    utilization_pct: 10,
    ...overrides,
  };
}

export function node(id: string, taken_at_ms: number, gpus: FleetGpu[], models: string[] = [], engines: FleetEngine[] = []): FleetNode {
  return { id, endpoint: `http://${id}:8000`, models, taken_at_ms, gpus, engines };
}
