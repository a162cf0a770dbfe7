/**
 * Registry and fleet → typed columns in the kernel's linear memory (the layout is in
 * assembly/layout.ts). Called by WasmKernel once per registry version and once per fleet view,
 * never per request. Sizes are planned first and memory grown once, because growing detaches
 * every typed-array view taken before it.
 */
import * as L from "../../assembly/layout";
import { PRECISIONS, type Registry } from "../registry/schema";
import { Taxonomy } from "../registry/taxonomy";
import { orderGpus } from "./fleet-order";
import { ColumnPlan, writeCsr, type Columns } from "./columns";
import { countLedger, engineKey, gpuKey, type Ledger } from "./ledger";
import { replicaView, servedNameIndex, type ReplicaView } from "./replicas";
import type { FleetNode } from "./types";

/** What the host keeps about a packed registry to translate requests and results. */
export interface PackedRegistry {
  registry: Registry;
  taxonomy: Taxonomy;
  modelIndex: Map<string, number>;
  /** Served name → model index (replicas.ts). */
  servedNames: Map<string, number>;
  /** First free byte after the registry's columns; the fleet goes there. */
  end: number;
}

export function packRegistry(registry: Registry, memory: WebAssembly.Memory): PackedRegistry {
  const taxonomy = new Taxonomy(registry.categories);
  const models = registry.models;
  const M = models.length;
  const B = registry.benchmarks.length;
  const C = registry.categories.length;
  const modelIndex = new Map(models.map((m, i) => [m.id, i]));
  const benchmarkIndex = new Map(registry.benchmarks.map((b, i) => [b.name, i]));
  const catBenchmarks = registry.categories.map((c) =>
    taxonomy.relevantBenchmarks(c.id).map((name) => benchmarkIndex.get(name) ?? -1).filter((i) => i >= 0).sort((a, b) => a - b),
  );
  const catModels = registry.categories.map((c) => models.flatMap((m, i) => (m.categories[c.id] ? [i] : [])));
  const entries = catModels.reduce((n, list) => n + list.length, 0);

  const plan = new ColumnPlan(L.DYNAMIC_BASE);
  plan.add(L.H_MODEL_PARAMS, "f64", M);
  plan.add(L.H_MODEL_CONTEXT, "f64", M);
  plan.add(L.H_MODEL_MEMORY, "f64", M * L.PRECISIONS);
  plan.add(L.H_MODEL_DEFAULT_PRECISION, "i32", M);
  plan.add(L.H_MODEL_FLAGS, "u8", M);
  plan.add(L.H_BENCH_SCORES, "f64", M * B);
  plan.add(L.H_BENCH_WEIGHTS, "f64", B);
  plan.add(L.H_CAT_PARENT, "i32", C);
  plan.add(L.H_CAT_BENCH_OFF, "i32", C + 1);
  plan.add(L.H_CAT_BENCH_IDX, "i32", catBenchmarks.reduce((n, l) => n + l.length, 0));
  plan.add(L.H_CAT_MODEL_OFF, "i32", C + 1);
  plan.add(L.H_CAT_MODEL_IDX, "i32", entries);
  plan.add(L.H_CAT_MODEL_BASE, "f64", entries);
  plan.add(L.H_CAT_MODEL_CONF, "f64", entries);
  plan.add(L.H_CAT_MODEL_BENCH, "f64", entries);
  for (const slot of [L.H_SCRATCH_CAND, L.H_SCRATCH_ORDER, L.H_SCRATCH_HEAP, L.H_REJ_MODEL, L.H_REJ_REASON, L.H_REJ_LEVEL, L.H_MODEL_STAMP]) {
    plan.add(slot, "i32", M);
  }
  plan.add(L.H_SCRATCH_TOTAL, "f64", M);
  const cols = plan.commit(memory);

  const h = cols.header;
  h[L.H_ABI] = L.ABI_VERSION;
  h[L.H_MODELS] = M;
  h[L.H_CATEGORIES] = C;
  h[L.H_BENCHMARKS] = B;
  h[L.H_GPUS] = 0;
  h[L.H_NODES] = 0;
  const config = new Float64Array(memory.buffer, L.CONFIG_BASE, L.CONFIG_SLOTS);
  config.fill(0);
  config[L.C_MAX_TEMPERATURE] = registry.config.gpu.max_temperature_c;
  config[L.C_MAX_UTILIZATION] = registry.config.gpu.max_utilization_pct;
  config[L.C_REQUEST_LOAD] = registry.config.gpu.request_load_pct;
  config[L.C_PLACEMENT_CHOICES] = registry.config.gpu.placement_choices;
  config[L.C_THERMAL_MARGIN] = registry.config.gpu.thermal_margin_c;
  config[L.C_SAT_WAITING] = registry.config.serving.saturation_waiting;
  config[L.C_SAT_KV] = registry.config.serving.saturation_kv_cache_usage;
  config[L.C_DEFAULT_CAPACITY] = registry.config.serving.default_batch_capacity;
  config[L.C_OWN_WEIGHT] = 1;

  const scores = cols.f64(L.H_BENCH_SCORES).fill(NaN);
  models.forEach((m, i) => {
    cols.f64(L.H_MODEL_PARAMS)[i] = m.params_b;
    // Unknown context packs as the configured default, or NaN (fails every min_context).
    cols.f64(L.H_MODEL_CONTEXT)[i] = m.context_length ?? registry.config.default_context_length ?? NaN;
    PRECISIONS.forEach((p, k) => (cols.f64(L.H_MODEL_MEMORY)[i * L.PRECISIONS + k] = m.memory_mb[p] ?? NaN));
    cols.i32(L.H_MODEL_DEFAULT_PRECISION)[i] = PRECISIONS.indexOf(m.default_precision);
    for (const r of m.benchmarks) {
      const b = benchmarkIndex.get(r.name);
      if (b !== undefined) scores[i * B + b] = r.score;
    }
  });
  registry.benchmarks.forEach((b, i) => (cols.f64(L.H_BENCH_WEIGHTS)[i] = b.weight));
  registry.categories.forEach((c, i) => (cols.i32(L.H_CAT_PARENT)[i] = c.parent === null ? -1 : taxonomy.indexOf(c.parent)));
  writeCsr(cols.i32(L.H_CAT_BENCH_OFF), cols.i32(L.H_CAT_BENCH_IDX), catBenchmarks);
  writeCsr(cols.i32(L.H_CAT_MODEL_OFF), cols.i32(L.H_CAT_MODEL_IDX), catModels);
  let e = 0;
  registry.categories.forEach((c, ci) => {
    for (const m of catModels[ci]!) {
      const score = models[m]!.categories[c.id]!;
      cols.f64(L.H_CAT_MODEL_BASE)[e] = score.base_score;
      cols.f64(L.H_CAT_MODEL_CONF)[e] = score.confidence;
      e++;
    }
  });
  return { registry, taxonomy, modelIndex, servedNames: servedNameIndex(registry), end: plan.end };
}

/** What the host keeps about a packed fleet to turn GPU and engine indices back into names. */
export interface PackedFleet {
  nodes: readonly FleetNode[];
  /** gpus[g] = [node position, position of the GPU in node.gpus] */
  gpus: Array<[number, number]>;
  /** The replica sources; engine e of the kernel is sources[e]. */
  replicas: ReplicaView;
}

/** Packs the fleet's GPUs and replica sources, with the counts of `ledger` (already carried over). */
export function packFleet(nodes: readonly FleetNode[], packed: PackedRegistry, memory: WebAssembly.Memory, ledger: Ledger): PackedFleet {
  const M = packed.registry.models.length;
  const N = nodes.length;
  const gpus: Array<[number, number]> = [];
  const gpuOf: number[][] = nodes.map(() => []);
  nodes.forEach((node, n) => node.gpus.forEach((_, j) => {
    gpuOf[n]![j] = gpus.length;
    gpus.push([n, j]);
  }));
  const G = gpus.length;
  const sorted = orderGpus(nodes).map((o) => gpuOf[o.nodeIndex]![o.node.gpus.indexOf(o.gpu)]!);
  const rank = new Int32Array(G);
  sorted.forEach((g, r) => (rank[g] = r));
  const replicas = replicaView(nodes, packed.servedNames, packed.registry.config.serving.default_batch_capacity);
  const E = replicas.sources.length;
  const engineGpus = replicas.sources.map((s) => s.gpus.map((j) => gpuOf[s.node]![j]!).sort((a, b) => rank[a]! - rank[b]!));
  const modelEngines: number[][] = Array.from({ length: M }, () => []);
  replicas.sources.forEach((s, e) => s.models.forEach((m) => modelEngines[m]!.push(e)));

  const plan = new ColumnPlan(packed.end);
  plan.add(L.H_GPU_NODE, "i32", G);
  plan.add(L.H_GPU_FREE, "f64", G);
  plan.add(L.H_GPU_TEMP, "f64", G);
  plan.add(L.H_GPU_UTIL, "f64", G);
  plan.add(L.H_GPU_HEALTHY, "i32", G);
  plan.add(L.H_GPU_SORTED, "i32", G);
  plan.add(L.H_GPU_RANK, "i32", G);
  plan.add(L.H_NODE_TAKEN_AT, "f64", N);
  plan.add(L.H_NODE_FLAGS, "u8", N);
  plan.add(L.H_MODEL_ENG_OFF, "i32", M + 1);
  plan.add(L.H_MODEL_ENG_IDX, "i32", modelEngines.reduce((n, l) => n + l.length, 0));
  plan.add(L.H_GPU_SENT, "i32", G);
  plan.add(L.H_GPU_RESERVED, "f64", G);
  plan.add(L.H_GPU_MARK, "i32", G);
  plan.add(L.H_MODEL_LOADS, "i32", M);
  plan.add(L.H_GPU_TOTAL, "f64", G);
  plan.add(L.H_GPU_LOADER, "i32", G);
  plan.add(L.H_ENG_NODE, "i32", E);
  plan.add(L.H_ENG_FLAGS, "i32", E);
  plan.add(L.H_ENG_LOAD, "f64", E * L.ENG_STRIDE);
  plan.add(L.H_ENG_SENT, "i32", E);
  plan.add(L.H_ENG_GPU_OFF, "i32", E + 1);
  plan.add(L.H_ENG_GPU_IDX, "i32", engineGpus.reduce((n, l) => n + l.length, 0));
  const cols = plan.commit(memory);
  cols.header[L.H_GPUS] = G;
  cols.header[L.H_NODES] = N;
  cols.header[L.H_ENGINES] = E;
  gpus.forEach(([n, j], g) => {
    const gpu = nodes[n]!.gpus[j]!;
    cols.i32(L.H_GPU_NODE)[g] = n;
    cols.f64(L.H_GPU_FREE)[g] = gpu.memory_free_mb ?? NaN;
    cols.f64(L.H_GPU_TOTAL)[g] = gpu.memory_total_mb ?? NaN;
    cols.f64(L.H_GPU_TEMP)[g] = gpu.temperature_c ?? NaN;
    cols.f64(L.H_GPU_UTIL)[g] = gpu.utilization_pct ?? NaN;
    cols.i32(L.H_GPU_LOADER)[g] = replicas.loaders[n]![j]!;
  });
  cols.i32(L.H_GPU_SORTED).set(sorted);
  cols.i32(L.H_GPU_RANK).set(rank);
  nodes.forEach((node, n) => (cols.f64(L.H_NODE_TAKEN_AT)[n] = node.taken_at_ms));
  writeCsr(cols.i32(L.H_MODEL_ENG_OFF), cols.i32(L.H_MODEL_ENG_IDX), modelEngines);
  writeCsr(cols.i32(L.H_ENG_GPU_OFF), cols.i32(L.H_ENG_GPU_IDX), engineGpus);
  const load = cols.f64(L.H_ENG_LOAD);
  replicas.sources.forEach((s, e) => {
    cols.i32(L.H_ENG_NODE)[e] = s.node;
    cols.i32(L.H_ENG_FLAGS)[e] = (s.known ? L.ENG_KNOWN : 0) | (s.onDemand ? L.ENG_ON_DEMAND : 0);
    load[e * L.ENG_STRIDE + L.EL_RUNNING] = s.running;
    load[e * L.ENG_STRIDE + L.EL_WAITING] = s.waiting;
    load[e * L.ENG_STRIDE + L.EL_KV] = s.kv;
    load[e * L.ENG_STRIDE + L.EL_CAPACITY] = s.capacity;
    load[e * L.ENG_STRIDE + L.EL_READ_AT] = s.read_at_ms;
  });
  const fleet: PackedFleet = { nodes, gpus, replicas };
  writeLedger(ledger, fleet, packed, cols, memory, gpuOf);
  return fleet;
}

/** Puts a carried-over ledger's counts (see ledger.ts) into the fresh fleet columns and the loads ring. */
function writeLedger(ledger: Ledger, fleet: PackedFleet, packed: PackedRegistry, cols: Columns, memory: WebAssembly.Memory, gpuOf: number[][]): void {
  const counts = countLedger(ledger);
  const gpuIndex = new Map<string, number>();
  fleet.nodes.forEach((node, n) => node.gpus.forEach((gpu, j) => gpuIndex.set(gpuKey(node.id, gpu.index), gpuOf[n]![j]!)));
  for (const [key, entry] of counts.gpus) {
    const g = gpuIndex.get(key);
    if (g === undefined) continue;
    cols.i32(L.H_GPU_SENT)[g] = entry.sent;
    cols.f64(L.H_GPU_RESERVED)[g] = entry.reserved;
  }
  fleet.replicas.sources.forEach((s, e) => {
    if (s.ordinal !== null) cols.i32(L.H_ENG_SENT)[e] = counts.engines.get(engineKey(fleet.nodes[s.node]!.id, s.ordinal)) ?? 0;
  });
  const ring = new Int32Array(memory.buffer, L.LOADS_BASE, L.LOADS_RING * 2);
  let count = 0;
  for (const load of counts.loads) {
    const g = gpuIndex.get(load.gpu);
    const m = packed.modelIndex.get(load.model);
    if (g === undefined || m === undefined) continue;
    ring[count * 2] = g;
    ring[count * 2 + 1] = m;
    cols.i32(L.H_MODEL_LOADS)[m]! += 1;
    count++;
  }
  cols.header[L.H_LOADS_NEXT] = count;
}
