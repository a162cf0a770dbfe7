/**
 * The kernel's contract, shared by the WASM build (wasm.ts) and the TS reference (reference.ts).
 * Both take the same registry and fleet objects and answer the same KernelResult, so one
 * contract suite and one property test can run against both.
 */
import type { Precision, Registry } from "../registry/schema";
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

/** One on-prem node: its latest snapshot, taken at `taken_at_ms` by its own clock. */
export interface FleetNode {
  id: string;
  endpoint: string | null;
  /** Model ids the node already serves. */
  models: string[];
  taken_at_ms: number;
  gpus: FleetGpu[];
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
  /** Replaces the fleet; what was placed on nodes whose snapshot did not change is kept. */
  loadFleet(nodes: readonly FleetNode[]): void;
  /** Decides, and counts the chosen placement against its GPU until that node reports again. */
  route(request: KernelRequest): KernelResult;
  /** What was placed since the current snapshots (see ledger.ts). */
  ledger(): Ledger;
}
