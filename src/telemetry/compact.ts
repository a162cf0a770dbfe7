/**
 * The compact routing state kept in each node key's KV metadata, so that one `list` call returns
 * the whole fleet without reading any value. KV caps metadata at 1024 bytes of JSON: an 8-GPU
 * node with UUIDs, a shared GPU name, an endpoint and a few model ids takes ~700 bytes. When a
 * node does not fit (many GPUs, long model lists), the metadata says so (`x: 1`) and the fleet
 * view reads that node's value instead: one extra KV read per oversized node, per refresh.
 */
import { z } from "@hono/zod-openapi";
import type { FleetEngine, FleetGpu, FleetNode } from "../kernel/types";
import { ENGINE_KINDS, ENGINE_MODES } from "./engines/schema";

/** KV's limit on serialized metadata. */
export const METADATA_MAX_BYTES = 1024;

const n = z.number().nullable();
/** [index, uuid, free MiB (routable), total MiB, temperature °C, utilization %, name when GPUs differ] */
const GpuTuple = z.tuple([z.number().int().min(0), z.string().nullable(), n, n, n, n]).rest(z.string().nullable());
/** [kind, mode, served names, GPU indices, running, waiting, KV-cache usage, requests_total, read_at ms] */
const EngineTuple = z.tuple([
  z.enum(ENGINE_KINDS),
  z.enum(ENGINE_MODES),
  z.array(z.string()),
  z.array(z.number().int().min(0)).nullable(),
  n,
  n,
  n,
  n,
  z.number(),
]);

export const CompactSchema = z.union([
  z.strictObject({
    v: z.literal(1),
    s: z.number().int().min(0),
    t: z.number(),
    e: z.string().nullable(),
    m: z.array(z.string()),
    n: z.string().nullable(),
    g: z.array(GpuTuple).min(1),
    k: z.array(EngineTuple).default([]),
    /** The agent's release (schema 2 on); absent for older agents. */
    a: z.string().max(64).optional(),
  }),
  z.strictObject({ v: z.literal(1), s: z.number().int().min(0), t: z.number(), x: z.literal(1) }),
]);
export type Compact = z.infer<typeof CompactSchema>;

const encoder = new TextEncoder();

/**
 * The metadata for a node: the full compact state, or the overflow marker when it is too big for
 * KV's metadata (`unlimited`: always the full state, for copies that have no such limit).
 */
export function encodeCompact(node: FleetNode, seq: number, options: { unlimited?: boolean } = {}): Compact {
  const names = new Set(node.gpus.map((g) => g.name));
  const shared = names.size === 1 ? node.gpus[0]!.name : null;
  const full: Compact = {
    v: 1,
    s: seq,
    t: node.taken_at_ms,
    e: node.endpoint,
    m: node.models,
    n: shared,
    g: node.gpus.map((g) => {
      const tuple: [number, string | null, number | null, number | null, number | null, number | null, ...(string | null)[]] = [
        g.index, g.uuid, g.memory_free_mb, g.memory_total_mb, g.temperature_c, g.utilization_pct,
      ];
      if (names.size > 1) tuple.push(g.name);
      return tuple;
    }),
    k: node.engines.map((e) => [e.kind, e.mode, e.models, e.gpus, e.running, e.waiting, e.kv_cache_usage, e.requests_total, e.read_at_ms]),
    // Only when known, so metadata of an older agent's node stays in the form the previous worker reads.
    ...(node.agent_version !== undefined ? { a: node.agent_version } : {}),
  };
  if (options.unlimited || encoder.encode(JSON.stringify(full)).length <= METADATA_MAX_BYTES) return full;
  return { v: 1, s: seq, t: node.taken_at_ms, x: 1 };
}

/** The routing view from metadata, or null for the overflow marker (read the value instead). */
export function decodeCompact(id: string, compact: Compact): FleetNode | null {
  if ("x" in compact) return null;
  return {
    id,
    ...(compact.a !== undefined ? { agent_version: compact.a } : {}),
    endpoint: compact.e,
    models: compact.m,
    taken_at_ms: compact.t,
    gpus: compact.g.map(([index, uuid, free, total, temperature, utilization, name]): FleetGpu => ({
      index,
      uuid,
      name: compact.n ?? name ?? null,
      memory_total_mb: total,
      memory_free_mb: free,
      temperature_c: temperature,
      utilization_pct: utilization,
    })),
    engines: compact.k.map(([kind, mode, models, gpus, running, waiting, kv, total, readAt]): FleetEngine => ({
      kind,
      mode,
      models,
      gpus,
      running,
      waiting,
      kv_cache_usage: kv,
      requests_total: total,
      read_at_ms: readAt,
    })),
  };
}
