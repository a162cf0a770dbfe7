/**
 * The snapshot an agent pushes for one node (POST /v1/telemetry), as a zod schema shared by the
 * agent (which builds it) and the worker (which validates it, and re-validates what it reads back
 * from KV). toFleetNode turns one into the FleetNode the routing kernel reads.
 */
import { z } from "@hono/zod-openapi";
import type { FleetEngine, FleetGpu, FleetNode } from "../kernel/types";
import { EngineSchema, type Engine } from "./engines/schema";
import { GpuReadingSchema, type GpuReading } from "./nvidia-smi/gpu";

const Name = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-', starting with a letter or digit");

export const AgentIdSchema = Name.openapi({ description: "The agent's id; its keys are in AGENT_KEYS", example: "rack1-agent" });
export const NodeNameSchema = Name.openapi({ description: "The node's name, unique in the fleet", example: "gpu-node-01" });

/** http(s) URL of the node's OpenAI-compatible server, as clients should reach it. */
export const EndpointSchema = z
  .url({ protocol: /^https?$/, error: "an http:// or https:// URL" })
  .max(512)
  .openapi({ example: "http://10.0.0.5:8000" });

const ModelId = z.string().min(1).max(128).regex(/^[a-z0-9][a-z0-9._-]*$/, "a registry model id");

/**
 * The snapshot format this code writes. 1: no `schema_version` field (agents before 0.2.0);
 * 2: adds `agent_version`. The worker reads every version from SNAPSHOT_SCHEMA_OLDEST on, so
 * the previous agent release keeps pushing while the worker is upgraded first (docs/deploy.md).
 */
export const SNAPSHOT_SCHEMA_VERSION = 2;
/** The oldest snapshot format the worker still accepts; raise it only a release after agents stopped sending it. */
export const SNAPSHOT_SCHEMA_OLDEST = 1;

/** An agent release, e.g. 0.2.0 or 0.2.0-rc.1+abc123 (semver's characters). */
export const AgentVersionSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[0-9A-Za-z][0-9A-Za-z.+_-]*$/, "a release like 0.2.0: letters, digits, '.', '+', '_' and '-'")
  .openapi({ description: "The agent's release (`agent --version`)", example: "0.2.0" });

export const SnapshotSchema = z
  .strictObject({
    // Both optional without a default: a snapshot of an older agent is stored exactly as it came,
    // so the previous worker release still reads it after a rollback.
    schema_version: z
      .number()
      .int()
      .min(SNAPSHOT_SCHEMA_OLDEST, `this router reads snapshot schema versions ${SNAPSHOT_SCHEMA_OLDEST} to ${SNAPSHOT_SCHEMA_VERSION}`)
      .max(SNAPSHOT_SCHEMA_VERSION, `this router reads snapshot schema versions up to ${SNAPSHOT_SCHEMA_VERSION}: upgrade the router before its agents (docs/deploy.md)`)
      .optional()
      .openapi({ description: `The snapshot format (absent = 1; this router writes ${SNAPSHOT_SCHEMA_VERSION})`, example: SNAPSHOT_SCHEMA_VERSION }),
    agent_version: AgentVersionSchema.optional(),
    agent_id: AgentIdSchema,
    node: NodeNameSchema,
    endpoint: EndpointSchema.nullable().default(null),
    models: z.array(ModelId).max(64).default([]).openapi({ description: "Registry ids of the models the node serves now" }),
    seq: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({
      description: "Strictly increasing per node, across agent restarts (the agent uses the clock in ms)",
    }),
    taken_at: z.iso.datetime({ offset: true }).openapi({ description: "When nvidia-smi was sampled, by the node's clock" }),
    driver_version: z.string().max(64).nullable().default(null),
    cuda_version: z.string().max(64).nullable().default(null),
    gpus: z
      .array(GpuReadingSchema)
      .min(1)
      .max(64)
      .refine((gpus) => new Set(gpus.map((g) => g.index)).size === gpus.length, { message: "GPU indices must be unique" }),
    engines: z.array(EngineSchema).max(16).default([]).openapi({
      description: "The node's serving engines as the agent read them; [] = no engine data (GPU telemetry only)",
    }),
  })
  .superRefine((snapshot, ctx) => {
    const indices = new Set(snapshot.gpus.map((g) => g.index));
    snapshot.engines.forEach((engine, e) =>
      engine.gpus?.forEach((index, i) => {
        if (!indices.has(index)) ctx.addIssue({ code: "custom", path: ["engines", e, "gpus", i], message: `GPU ${index} is not in the snapshot's gpus` });
      }),
    );
  })
  .openapi("TelemetrySnapshot");

export type Snapshot = z.infer<typeof SnapshotSchema>;
/** What a client sends; defaults not yet applied. */
export type SnapshotInput = z.input<typeof SnapshotSchema>;

/**
 * Free memory routing may use on one GPU. With MIG on, a model runs inside one MIG instance, so
 * it is the largest free instance (unknown when nvidia-smi listed none); otherwise memory.free.
 */
export function routableFreeMb(gpu: GpuReading): number | null {
  if (gpu.mig_mode !== "enabled") return gpu.memory_free_mb;
  const free = gpu.mig_devices.map((d) => d.memory_free_mb).filter((f): f is number => f !== null);
  return free.length > 0 ? Math.max(...free) : null;
}

/** The routing view of one GPU. */
export function toFleetGpu(gpu: GpuReading): FleetGpu {
  return {
    index: gpu.index,
    uuid: gpu.uuid,
    name: gpu.name,
    memory_total_mb: gpu.memory_total_mb,
    memory_free_mb: routableFreeMb(gpu),
    temperature_c: gpu.temperature_c,
    utilization_pct: gpu.utilization_gpu_pct,
  };
}

/** The routing view of one engine. */
export function toFleetEngine(engine: Engine): FleetEngine {
  return {
    kind: engine.kind,
    mode: engine.mode,
    models: engine.models,
    gpus: engine.gpus,
    running: engine.running,
    waiting: engine.waiting,
    kv_cache_usage: engine.kv_cache_usage,
    requests_total: engine.requests_total,
    read_at_ms: Date.parse(engine.read_at),
  };
}

/** The routing view of a snapshot; the snapshot's own clock, not KV's, dates it. */
export function toFleetNode(snapshot: Snapshot): FleetNode {
  return {
    id: snapshot.node,
    ...(snapshot.agent_version !== undefined ? { agent_version: snapshot.agent_version } : {}),
    endpoint: snapshot.endpoint,
    models: snapshot.models,
    taken_at_ms: Date.parse(snapshot.taken_at),
    gpus: [...snapshot.gpus].sort((a, b) => a.index - b.index).map(toFleetGpu),
    engines: snapshot.engines.map(toFleetEngine),
  };
}
