/**
 * The kernel's contract, shared by the WASM build (wasm.ts) and the TS reference (reference.ts).
 * Both take the same registry and fleet objects and answer the same KernelResult, so one
 * contract suite and one property test can run against both.
 */
import type { Precision, Registry } from "../registry/schema";
import type { EngineKind, EngineMode } from "../telemetry/engines/schema";
import type { Ledger } from "./ledger";

/** One GPU as routing sees it. null = unknown (never treated as zero or healthy). */
export interface FleetGpu {
  index: number;
  uuid: string | null;
  name: string | null;
  memory_total_mb: number | null;
  memory_free_mb: number | null;
  temperature_c: number | null;
  utilization_pct: number | null;
}

/**
 * One serving engine of a node as routing sees it (src/telemetry/engines/schema.ts is the wire
 * form). null = the engine did not say; never read as 0 or idle.
 */
export interface FleetEngine {
  kind: EngineKind;
  mode: EngineMode;
  /** Served names (OpenAI model ids or Ollama names); mapped to registry models by id or hf_repo. */
  models: string[];
  /** nvidia-smi indices of the GPUs it uses; null = unknown (any GPU of the node). */
  gpus: number[] | null;
  running: number | null;
  waiting: number | null;
  /** 0–1. */
  kv_cache_usage: number | null;
  /** Finished requests since the engine started (a counter). */
  requests_total: number | null;
  read_at_ms: number;
}

/** One on-prem node: its latest snapshot, taken at `taken_at_ms` by its own clock. */
export interface FleetNode {
  id: string;
  /** The agent release that pushed the snapshot; absent for agents before 0.2.0 and raw uploads. Inventory only: routing ignores it. */
  agent_version?: string;
  /** Where the gateway forwards; a node without one is inventory only, never a placement. */
  endpoint: string | null;
  /** Registry model ids the node's snapshot lists as served (the agent's --models). */
  models: string[];
  taken_at_ms: number;
  gpus: FleetGpu[];
  /** [] = no engine data (GPU telemetry only): the node may load any model that fits. */
  engines: FleetEngine[];
}

export interface RouteConstraints {
  max_memory_mb?: number | undefined;
  min_context?: number | undefined;
  max_params_b?: number | undefined;
  allow_models?: string[] | undefined;
  deny_models?: string[] | undefined;
  min_score?: number | undefined;
  precision?: Precision | undefined;
}

export interface KernelRequest {
  category: string;
  constraints: RouteConstraints;
  top_k: number;
  /** Wall-clock time of the decision; staleness is now − snapshot time. */
  now_ms: number;
  /** Report rejections even when the request succeeds (they are always reported on failure). */
  explain?: boolean | undefined;
  /** Unsigned 32-bit number drawing the placement's power-of-two choice (a hash of the request). */
  seed?: number | undefined;
  /** false: a what-if (e.g. alternatives for a client) that must not count in the ledger. Default true. */
  record?: boolean | undefined;
  /** Nodes this request must not be placed on (the gateway's failed or busy nodes); unknown ids are ignored. */
  exclude_nodes?: readonly string[] | undefined;
}

export interface KernelScore {
  total: number;
  base: number;
  benchmark: number;
  confidence: number;
}

export interface KernelPlacement {
  node: string;
  gpu_index: number;
  /** Position of the serving (or loading) engine in the node's `engines`; null when none reported it. */
  engine: number | null;
  /** The node serves the model (its snapshot says so, or this kernel sent a load of it there since). */
  serving: boolean;
  /** Last-resort tier: only stale nodes had room. */
  stale: boolean;
}

export interface KernelCandidate {
  model: string;
  precision: Precision;
  memory_mb: number;
  score: KernelScore;
  /** null only when the fleet is empty (model-only routing). */
  placement: KernelPlacement | null;
}

export interface KernelRejection {
  model: string;
  /** The most specific category on the walk where the model was turned down. */
  category: string;
  /** REJECT_* bit flags from assembly/layout.ts. */
  reasons: number;
}

export type KernelStatus = "ok" | "no_model" | "no_gpu";

export interface KernelResult {
  status: KernelStatus;
  /** The fallback walk that was taken, from the requested category upward. */
  path: string[];
  /** The category the results come from, null when there are none. */
  resolved: string | null;
  results: KernelCandidate[];
  /** Empty on success unless the request asked to explain. */
  rejected: KernelRejection[];
}

export interface Kernel {
  /** Loads a registry version; the current fleet stays and is re-indexed against it. */
  loadRegistry(registry: Registry): void;
  /**
   * Replaces the fleet. What this kernel placed is kept until a snapshot of its node taken after the
   * placement arrives (that snapshot reflects it); everything older is dropped.
   */
  loadFleet(nodes: readonly FleetNode[]): void;
  /**
   * How many times each own placement counts until its node reports again: 1 / this isolate's
   * share of the traffic (see src/routing/traffic-share.ts). Default 1.
   */
  setOwnWeight(weight: number): void;
  /** Decides, and counts the chosen placement against its GPU until that node reports again. */
  route(request: KernelRequest): KernelResult;
  /** What was placed since the current snapshots (see ledger.ts). */
  ledger(): Ledger;
}
