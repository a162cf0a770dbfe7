/**
 * What a kernel placed, one entry per recorded decision, with the decision's time. A node's
 * snapshot reflects the placements made before it was taken, so when a new snapshot of a node
 * arrives, entries older than it are dropped and newer ones are kept (a push is sampled a few
 * seconds before the router reads it; the requests sent in between still count). Both kernels
 * derive their per-GPU and per-engine counts from it: wasm.ts (which packs the counts into linear
 * memory) and reference-placement.ts (which reads them here).
 */
import { LOADS_RING } from "../../assembly/layout";
import type { FleetNode } from "./types";

export interface LedgerEntry {
  node: string;
  /** nvidia-smi index of the GPU. */
  gpu: number;
  /** Position of the engine in the node's `engines`; null when no engine reported it (pseudo engine). */
  engine: number | null;
  model: string;
  /** MiB reserved by a model load; 0 when the engine already served the model. */
  memory: number;
  serving: boolean;
  /** The decision's now_ms. */
  at_ms: number;
}

export interface Ledger {
  /** Oldest first, at most LEDGER_LIMIT. */
  entries: LedgerEntry[];
}

/** Entries kept at most: 15 s of 4,000 decisions/s per isolate, far beyond a snapshot's age. */
export const LEDGER_LIMIT = 65_536;

export function emptyLedger(): Ledger {
  return { entries: [] };
}

/** The part of `ledger` no snapshot in `nodes` reflects yet, for GPUs and models that still exist. */
export function carryOver(ledger: Ledger, nodes: readonly FleetNode[], models: ReadonlySet<string>): Ledger {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const entries = ledger.entries.filter((e) => {
    const node = byId.get(e.node);
    return node !== undefined && e.at_ms > node.taken_at_ms && models.has(e.model) && node.gpus.some((g) => g.index === e.gpu);
  });
  return { entries: entries.length > LEDGER_LIMIT ? entries.slice(-LEDGER_LIMIT) : entries };
}

/** Appends one decision; trims the oldest entries (amortized) beyond LEDGER_LIMIT. */
export function appendEntry(ledger: Ledger, entry: LedgerEntry): void {
  ledger.entries.push(entry);
  if (ledger.entries.length > 2 * LEDGER_LIMIT) ledger.entries = ledger.entries.slice(-LEDGER_LIMIT);
}

/** Counts the kernels place with: requests and reserved MiB per GPU, requests per engine, the recent loads. */
export interface LedgerCounts {
  /** key: gpuKey(node, gpu index). */
  gpus: Map<string, { sent: number; reserved: number }>;
  /** key: engineKey(node, ordinal). */
  engines: Map<string, number>;
  /** The last LOADS_RING loads, oldest first. */
  loads: Array<{ gpu: string; model: string }>;
}

export const gpuKey = (node: string, gpu: number): string => `${node}\n${gpu}`;
export const engineKey = (node: string, ordinal: number): string => `${node}\n${ordinal}`;

export function countLedger(ledger: Ledger): LedgerCounts {
  const gpus = new Map<string, { sent: number; reserved: number }>();
  const engines = new Map<string, number>();
  const loads: LedgerCounts["loads"] = [];
  for (const e of ledger.entries) {
    const key = gpuKey(e.node, e.gpu);
    const entry = gpus.get(key) ?? { sent: 0, reserved: 0 };
    entry.sent += 1;
    entry.reserved += e.memory;
    gpus.set(key, entry);
    if (e.engine !== null) {
      const ek = engineKey(e.node, e.engine);
      engines.set(ek, (engines.get(ek) ?? 0) + 1);
    }
    if (!e.serving) loads.push({ gpu: key, model: e.model });
  }
  return { gpus, engines, loads: loads.slice(-LOADS_RING) };
}
