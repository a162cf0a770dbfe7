/** Response schemas of POST /v1/telemetry and GET /v1/fleet (also the OpenAPI components). */
import { z } from "@hono/zod-openapi";
import { ENGINE_KINDS, ENGINE_MODES } from "./engines/schema";

export const TelemetryAcceptedSchema = z
  .object({
    accepted: z.literal(true),
    node: z.string(),
    seq: z.number().int(),
    gpus: z.number().int().openapi({ description: "GPUs in the snapshot" }),
    taken_at: z.string(),
    engine_models: z
      .object({
        resolved: z.array(z.string()).openapi({ description: "Registry ids the engines' served names map to (by id or hf_repo)" }),
        unknown: z.array(z.string()).openapi({ description: "Served names no registry model has as id or hf_repo: never routed to" }),
      })
      .nullable()
      .openapi({ description: "How the engines' served models map to the registry this router uses; null when the snapshot has no engines" }),
  })
  .openapi("TelemetryAccepted");

export const GpuProblemSchema = z
  .object({
    code: z.enum(["temperature_unknown", "too_hot", "utilization_unknown", "too_busy", "free_memory_unknown"]),
    detail: z.string(),
  })
  .openapi("GpuProblem");

export const FleetGpuViewSchema = z
  .object({
    index: z.number().int(),
    uuid: z.string().nullable(),
    name: z.string().nullable(),
    memory_total_mb: z.number().nullable(),
    memory_free_mb: z.number().nullable().openapi({ description: "Free memory routing uses (largest free MIG instance when MIG is on)" }),
    temperature_c: z.number().nullable(),
    utilization_pct: z.number().nullable(),
    healthy: z.boolean().openapi({ description: "Temperature and utilization known and below the registry thresholds" }),
    placeable: z.boolean().openapi({ description: "Healthy, fresh and with a known free memory: routing may pick it" }),
    problems: z.array(GpuProblemSchema).openapi({ description: "Why the GPU is unhealthy or unplaceable; [] when fine" }),
  })
  .openapi("FleetGpuView");

export const FleetEngineViewSchema = z
  .object({
    kind: z.enum(ENGINE_KINDS),
    mode: z.enum(ENGINE_MODES),
    models: z.array(z.string()).openapi({ description: "Served names as the engine reports them" }),
    registry_models: z.array(z.string()).openapi({ description: "Registry ids those names map to (by id or case-insensitive hf_repo); routing places only these on the engine" }),
    gpus: z.array(z.number().int()).nullable().openapi({ description: "nvidia-smi indices it uses; null = unknown (any GPU of the node)" }),
    running: z.number().int().nullable(),
    waiting: z.number().int().nullable(),
    kv_cache_usage: z.number().nullable().openapi({ description: "0–1" }),
    requests_total: z.number().int().nullable(),
    read_at: z.string().openapi({ description: "When the agent read the engine, by the node's clock" }),
    load_known: z.boolean().openapi({
      description: "Running, waiting or KV-cache usage is known. false (e.g. /metrics unreachable or garbage): routing ranks it after every engine of known load and judges it by its GPU, never as idle",
    }),
  })
  .openapi("FleetEngineView");

export const FleetNodeViewSchema = z
  .object({
    node: z.string(),
    agent_version: z.string().nullable().openapi({ description: "The agent release that sent the snapshot; null for agents that do not say (before 0.2.0) and raw nvidia-smi uploads" }),
    endpoint: z.string().nullable(),
    models: z.array(z.string()),
    taken_at: z.string(),
    age_s: z.number(),
    stale: z.boolean().openapi({ description: "Older than stale_after_s: used only as a last resort" }),
    gpus: z.array(FleetGpuViewSchema),
    engines: z.array(FleetEngineViewSchema).openapi({ description: "The node's serving engines; [] = no engine data (GPU telemetry only)" }),
  })
  .openapi("FleetNodeView");

export const FleetViewSchema = z
  .object({
    now: z.string(),
    registry_version: z.number().int(),
    thresholds: z.object({
      max_temperature_c: z.number(),
      max_utilization_pct: z.number(),
      stale_after_s: z.number(),
      memory_headroom_mb: z.number(),
    }),
    summary: z.object({
      nodes: z.number().int(),
      stale_nodes: z.number().int(),
      gpus: z.number().int(),
      healthy_gpus: z.number().int(),
      placeable_gpus: z.number().int(),
      largest_free_mb: z.number().nullable().openapi({ description: "Most free memory on one placeable GPU" }),
    }),
    endpoints_hidden: z.boolean().optional().openapi({
      description: "true: each node's endpoint is null here because the caller is neither the admin nor a configured client key's holder (docs/security.md)",
    }),
    nodes: z.array(FleetNodeViewSchema),
  })
  .openapi("FleetView");

export type FleetView = z.infer<typeof FleetViewSchema>;
export type FleetNodeView = z.infer<typeof FleetNodeViewSchema>;
export type FleetEngineView = z.infer<typeof FleetEngineViewSchema>;
