/**
 * One serving engine (vLLM, SGLang, TGI, llama.cpp server, Ollama) as the agent reads it from the
 * node and pushes it inside the signed JSON snapshot (SnapshotSchema.engines). The worker validates
 * it with this same schema and the kernel scores replicas on it (assembly/place.ts).
 *
 * Every load field is optional in the strict sense: null means the engine did not say (no metric,
 * unreachable /metrics, NaN), never 0. Ranges are physical: counts are non-negative integers,
 * kv_cache_usage is a ratio in [0, 1] (vLLM's `vllm:kv_cache_usage_perc` is a ratio despite its
 * name; the agent converts percentages where an engine reports them).
 */
import { z } from "@hono/zod-openapi";

/** The engines the agent knows how to read; see cli/agent/engines/ for where each field comes from. */
export const ENGINE_KINDS = ["vllm", "sglang", "tgi", "llamacpp", "ollama"] as const;
export type EngineKind = (typeof ENGINE_KINDS)[number];

/**
 * fixed: serves only the models it lists (vLLM, SGLang, TGI, llama.cpp with one model): routing
 * never sends it another model. on_demand: loads a requested model itself (Ollama), so a node with
 * one may be given a model it does not hold yet, when memory allows.
 */
export const ENGINE_MODES = ["fixed", "on_demand"] as const;
export type EngineMode = (typeof ENGINE_MODES)[number];

/** More requests than any engine batches or queues; above it a reading is garbage, not load. */
export const MAX_ENGINE_REQUESTS = 1_000_000;

const Count = z.number().int().min(0).max(MAX_ENGINE_REQUESTS).nullable();

/** A model name as the engine serves it: an OpenAI `/v1/models` id or an Ollama model name. */
export const ServedNameSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x21-\x7e]+$/, "printable ASCII without spaces")
  .openapi({ example: "meta-llama/Llama-3.1-8B-Instruct" });

export const EngineSchema = z
  .strictObject({
    kind: z.enum(ENGINE_KINDS),
    mode: z.enum(ENGINE_MODES),
    models: z.array(ServedNameSchema).max(64).openapi({
      description:
        "Models the engine serves now, named as it serves them (vLLM/SGLang/TGI/llama.cpp: the ids of GET /v1/models; Ollama: the names of GET /api/ps). The router maps them to registry ids by id or hf_repo.",
    }),
    gpus: z
      .array(z.number().int().min(0).max(1023))
      .max(64)
      .nullable()
      .default(null)
      .refine((g) => g === null || new Set(g).size === g.length, { message: "GPU indices must be unique" })
      .openapi({ description: "nvidia-smi indices of the GPUs the engine uses; null = unknown (any GPU of the node)" }),
    running: Count.openapi({ description: "Requests in the running batch (vllm:num_requests_running, sglang:num_running_reqs, tgi_batch_current_size, llamacpp:requests_processing)" }),
    waiting: Count.openapi({ description: "Requests queued for a batch slot (vllm:num_requests_waiting, sglang:num_queue_reqs, tgi_queue_size, llamacpp:requests_deferred)" }),
    kv_cache_usage: z.number().min(0).max(1).nullable().openapi({
      description: "Share of the KV cache in use, 0–1 (vllm:kv_cache_usage_perc / gpu_cache_usage_perc, sglang:token_usage, llamacpp:kv_cache_usage_ratio)",
    }),
    requests_total: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).nullable().default(null).openapi({
      description: "Requests the engine has finished since it started, a counter (vllm:request_success_total summed over finished_reason, tgi_request_success); null = not reported",
    }),
    read_at: z.iso.datetime({ offset: true }).openapi({ description: "When the agent read the engine, by the node's clock" }),
  })
  .openapi("ServingEngine");

export type Engine = z.infer<typeof EngineSchema>;
export type EngineInput = z.input<typeof EngineSchema>;
