/**
 * What a kernel placed since each node's last snapshot: requests sent and model memory reserved per
 * GPU, and the recent model loads (a ring of LOADS_RING). Both kernels keep it across fleet
 * reloads for every GPU whose node still reports the same snapshot, and drop it for nodes that
 * reported again (their new snapshot already shows the effect). Used by wasm.ts (which moves it in
 * and out of linear memory) and reference.ts (which keeps it in this form).
 */
import { LOADS_RING } from "../../assembly/layout";
import type { FleetGpu, FleetNode } from "./types";

export interface GpuLedger {
  sent: number;
  reserved: number;
}

export interface Ledger {
  gpus: Map<string, GpuLedger>;
  /** Oldest first, at most LOADS_RING. */
  loads: Array<{ gpu: string; model: string }>;
}

export function emptyLedger(): Ledger {
  return { gpus: new Map(), loads: [] };
}

/** A GPU within one snapshot of its node: a newer snapshot gives it a new key. */
export function gpuKey(node: FleetNode, gpu: FleetGpu): string {
  return `${node.id}\n${node.taken_at_ms}\n${gpu.index}`;
}

/** The part of `ledger` still valid for `nodes` (same snapshot) and `models` (still registered). */
export function carryOver(ledger: Ledger, nodes: readonly FleetNode[], models: ReadonlySet<string>): Ledger {
  const keys = new Set(nodes.flatMap((node) => node.gpus.map((gpu) => gpuKey(node, gpu))));
  const gpus = new Map([...ledger.gpus].filter(([key]) => keys.has(key)));
  const loads = ledger.loads.filter((l) => keys.has(l.gpu) && models.has(l.model)).slice(-LOADS_RING);
  return { gpus, loads };
}
