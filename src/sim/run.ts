/**
 * A scenario run: one fleet, one trace, every policy replayed against it. The entry point of the
 * simulator core, called by cli/sim and the tests with a kernel module and a seeded Random.
 */
import type { Registry } from "../registry/schema";
import type { SimConfig } from "./config";
import { runPolicy } from "./engine";
import type { PolicyResult } from "./metrics";
import type { Policy } from "./policies";
import { QualityTable } from "./quality";
import { Random } from "./random";
import { generateTrace } from "./trace";

export interface ScenarioInput {
  scenario: string;
  config: SimConfig;
  registry: Registry;
  policies: readonly Policy[];
  kernelModule: WebAssembly.Module;
  /** Defaults to new Random(config.seed). */
  random?: Random;
  /** Progress per policy: its id and the share of the trace done. */
  onProgress?: (policy: string, done: number) => void;
}

export interface ScenarioReport {
  scenario: string;
  config: SimConfig;
  registry_version: number;
  /** The registry's placement settings the kernel ran with (thresholds, request load, choices). */
  gpu_config: Registry["config"]["gpu"];
  fleet: { nodes: number; gpus: number; by_class_gb: Record<string, number> };
  trace: { requests: number; offered_per_s: number; bursts: Array<[number, number]> };
  results: PolicyResult[];
}

/**
 * The traffic mix for `registry`: `demoMix` when its taxonomy is `demo`'s (same category ids with
 * the same parents, so a copy of the demo registry with edited config or models stays comparable
 * with the default runs), otherwise uniform over its categories. Called by cli/sim.
 */
export function categoryMixFor(registry: Registry, demo: Registry, demoMix: Record<string, number>): Record<string, number> {
  const shape = (r: Registry): string => JSON.stringify(r.categories.map((c) => [c.id, c.parent ?? null]).sort());
  if (registry === demo || shape(registry) === shape(demo)) return demoMix;
  return Object.fromEntries(registry.categories.map((c) => [c.id, 1]));
}

/** Categories of the mix the registry does not know; the CLI turns them into a usage error. */
export function unknownCategories(config: SimConfig, registry: Registry): string[] {
  const known = new Set(registry.categories.map((c) => c.id));
  return Object.keys(config.trace.category_mix).filter((c) => !known.has(c));
}

export function runScenario(input: ScenarioInput): ScenarioReport {
  const { config, registry } = input;
  const unknown = unknownCategories(config, registry);
  if (unknown.length > 0) throw new RangeError(`category mix names categories the registry lacks: ${unknown.join(", ")}`);
  const random = input.random ?? new Random(config.seed);
  const gpus = config.fleet.nodes * config.fleet.gpus_per_node;
  const trace = generateTrace(config.trace, gpus, random.fork("trace"));
  const quality = new QualityTable(registry, input.kernelModule);
  const results: PolicyResult[] = [];
  let byClass: Record<string, number> = {};
  for (const policy of input.policies) {
    const onProgress = input.onProgress ? (done: number) => input.onProgress!(policy.id, done) : undefined;
    const { result, fleet } = runPolicy({ config, registry, policy, trace, kernelModule: input.kernelModule, random, quality, onProgress });
    results.push(result);
    byClass = {};
    for (const node of fleet.nodes) byClass[`${node.memory_gb}`] = (byClass[`${node.memory_gb}`] ?? 0) + node.gpus.length;
  }
  return {
    scenario: input.scenario,
    config,
    registry_version: registry.version,
    gpu_config: registry.config.gpu,
    fleet: { nodes: config.fleet.nodes, gpus, by_class_gb: byClass },
    trace: {
      requests: trace.arrival_s.length,
      offered_per_s: Math.round((trace.arrival_s.length / config.trace.duration_s) * 100) / 100,
      bursts: trace.bursts.map(([a, b]) => [Math.round(a), Math.round(b)]),
    },
    results,
  };
}
