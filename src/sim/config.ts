/**
 * Everything a simulation run depends on, as plain data: the fleet, the request trace, the
 * physics of a GPU (heat, memory, service time), the telemetry path and an optional degraded
 * site. The three scenarios of docs/simulator.md are overrides of DEFAULT_CONFIG. Every number
 * here is a modelling choice; docs/simulator.md explains each one.
 */

/** One GPU class of the fleet and its share of the nodes (a node has GPUs of one class). */
export interface GpuClassMix {
  memory_gb: number;
  share: number;
}

export interface FleetConfig {
  nodes: number;
  gpus_per_node: number;
  /** Nodes are spread round-robin over this many sites (a site can be degraded). */
  sites: number;
  classes: GpuClassMix[];
  /** Requests one GPU runs at once (continuous batching slots). */
  slots: number;
}

export interface BurstConfig {
  /** Mean gap between burst starts (exponential), seconds. */
  every_s: number;
  length_s: number;
  /** Arrival rate inside a burst, as a multiple of the base rate. */
  multiplier: number;
}

export interface TraceConfig {
  duration_s: number;
  /** Base Poisson arrival rate per GPU of the fleet, requests per second. */
  rate_per_gpu: number;
  bursts: BurstConfig | null;
  /** Category → relative weight; categories the registry lacks are a configuration error. */
  category_mix: Record<string, number>;
  /** Output tokens per request: log-normal with this median and log-space sigma, clamped. */
  tokens_median: number;
  tokens_sigma: number;
  tokens_max: number;
}

export interface PhysicsConfig {
  /** Inlet temperature of an idle GPU; each GPU gets a fixed offset within ±jitter. */
  ambient_c: number;
  ambient_jitter_c: number;
  /** Temperature rise of a GPU with every slot busy, over its ambient. */
  heat_c: number;
  /** Time constant of the first-order thermal response. */
  tau_s: number;
  /** Above this temperature the GPU throttles: service time × (1 + per_c × degrees above), capped. */
  throttle_from_c: number;
  throttle_per_c: number;
  throttle_max: number;
  /** Model load time = fixed + memory / bandwidth. */
  load_fixed_s: number;
  load_gb_per_s: number;
  /** KV memory a running request adds, as a fraction of its model's footprint. */
  kv_fraction_per_request: number;
  /**
   * vLLM-style preallocation: a resident model holds this share of its GPU's memory (vLLM's
   * gpu_memory_utilization, 0.9 by default there) and its requests' KV cache lives inside it, so
   * nvidia-smi's free memory says nothing about load. null: a model holds its footprint and each
   * running request adds its KV memory.
   */
  prealloc_share: number | null;
  /** A loaded model without requests for this long is unloaded. */
  idle_unload_s: number;
  /** A request that has not started after this long is dropped by its client (failed: timeout). */
  timeout_s: number;
  /** Per output token: fixed ms + ms per billion active parameters; plus a prefill time. */
  token_ms_fixed: number;
  token_ms_per_b: number;
  prefill_s: number;
}

export interface TelemetryConfig {
  /** Each node's agent pushes a snapshot this often (phase drawn per node). */
  push_interval_s: number;
  /** Time from sampling to the snapshot being readable by the router (push + KV replication). */
  push_delay_s: number;
  /** The router re-reads the fleet at most this often (the worker's CACHE_TTL_MS). */
  view_ttl_s: number;
  /**
   * Router isolates sharing the traffic (request i goes to isolate i mod n). Each has its own
   * cache and kernel, so each counts only its own placements between snapshots; their re-reads
   * are staggered evenly over one view TTL.
   */
  isolates: number;
  /**
   * Agents report the serving engines (one per GPU: the models ready on it, running and waiting
   * requests, KV-cache usage, finished requests), as the real agent reads them from an engine's
   * /metrics. false: GPU telemetry only, the models resident on a node listed without load.
   */
  engines: boolean;
}

/** One site loses cooling (and some telemetry) from `from_s` on. */
export interface DegradeConfig {
  site: number;
  from_s: number;
  ambient_offset_c: number;
  /** Probability that one of the site's pushes is lost. */
  push_loss: number;
}

export interface SimConfig {
  seed: number;
  fleet: FleetConfig;
  trace: TraceConfig;
  physics: PhysicsConfig;
  telemetry: TelemetryConfig;
  degrade: DegradeConfig | null;
  /** Width of one window of the utilization time series. */
  sample_s: number;
}

/** Traffic shares over the demo taxonomy: chat and code heavy, a tail of niche categories. */
export const DEMO_CATEGORY_MIX: Record<string, number> = {
  general: 4, general_chat: 20, general_summarization: 8, general_extraction: 5,
  code: 2, code_python: 10, code_javascript: 6, code_rust: 3, code_sql: 3, code_completion: 6,
  math: 1, math_arithmetic: 3, math_algebra: 3, math_calculus: 1, math_competition: 2,
  reasoning: 1, reasoning_knowledge: 6, reasoning_commonsense: 4,
  nlp_sentiment: 3, nlp_ner: 2, nlp_classification: 4,
  time_series: 1, data_forecasting: 2, data_anomaly: 1,
};

export const DEFAULT_CONFIG: SimConfig = {
  seed: 1,
  fleet: {
    nodes: 100,
    gpus_per_node: 8,
    sites: 4,
    classes: [
      { memory_gb: 16, share: 0.15 },
      { memory_gb: 24, share: 0.25 },
      { memory_gb: 40, share: 0.2 },
      { memory_gb: 80, share: 0.3 },
      { memory_gb: 141, share: 0.1 },
    ],
    slots: 8,
  },
  trace: {
    duration_s: 1800,
    rate_per_gpu: 0.5,
    bursts: null,
    category_mix: DEMO_CATEGORY_MIX,
    tokens_median: 200,
    tokens_sigma: 0.8,
    tokens_max: 4096,
  },
  physics: {
    ambient_c: 35,
    ambient_jitter_c: 4,
    heat_c: 45,
    tau_s: 60,
    throttle_from_c: 83,
    throttle_per_c: 0.05,
    throttle_max: 2,
    load_fixed_s: 5,
    load_gb_per_s: 2,
    kv_fraction_per_request: 0.02,
    prealloc_share: null,
    idle_unload_s: 300,
    timeout_s: 60,
    token_ms_fixed: 4,
    token_ms_per_b: 0.45,
    prefill_s: 0.2,
  },
  telemetry: { push_interval_s: 5, push_delay_s: 1, view_ttl_s: 2, isolates: 1, engines: true },
  degrade: null,
  sample_s: 10,
};

export type ScenarioName = "steady" | "bursty" | "degraded" | "saturated";

export interface Scenario {
  summary: string;
  apply(base: SimConfig): SimConfig;
  /** The arrival rate is not the config's but found by bisection on static alone (src/sim/saturation.ts). */
  saturate?: true;
}

/** The scenarios, as edits of a base config (which carries the fleet size and seed). */
export const SCENARIOS: Record<ScenarioName, Scenario> = {
  steady: {
    summary: "Poisson arrivals at the base rate, all sites healthy",
    apply: (base) => base,
  },
  bursty: {
    summary: "75% of the base rate plus bursts at 3× (60 s long, one every 240 s on average)",
    apply: (base) => ({
      ...base,
      trace: { ...base.trace, rate_per_gpu: base.trace.rate_per_gpu * 0.75, bursts: { every_s: 240, length_s: 60, multiplier: 3 } },
    }),
  },
  degraded: {
    summary: "steady traffic; site 0 loses cooling (+25 °C inlet) and 30% of its pushes from a quarter of the run on",
    apply: (base) => ({
      ...base,
      degrade: { site: 0, from_s: Math.round(base.trace.duration_s / 4), ambient_offset_c: 25, push_loss: 0.3 },
    }),
  },
  saturated: {
    summary: "steady traffic at the rate where static tiers serve 80% of requests (bisection on static alone, before any policy is compared)",
    apply: (base) => base,
    saturate: true,
  },
};

/** GPU memory in MiB for a marketed size in GB (141 GB = H200's 144 384 MiB is 141 × 1024). */
export function classMemoryMb(memory_gb: number): number {
  return Math.round(memory_gb * 1024);
}
