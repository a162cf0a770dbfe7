/**
 * The registry document: models, taxonomy, benchmark catalog and scoring config, as one
 * versioned JSON document. Shared by the worker (GET/PUT /v1/registry, routing) and the CLIs
 * (validate, enrich). Structural rules live here; cross-references (unknown categories, cycles,
 * duplicate ids) live in validation.ts.
 */
import { z } from "@hono/zod-openapi";

export const PRECISIONS = ["bf16", "fp8", "int4"] as const;
export const PrecisionSchema = z.enum(PRECISIONS).openapi("Precision");
export type Precision = z.infer<typeof PrecisionSchema>;

const Id = z.string().min(1).max(128).regex(/^[a-z0-9][a-z0-9._-]*$/, "lowercase letters, digits, '.', '_' and '-'");
const CategoryId = z.string().min(1).max(64).regex(/^[a-z][a-z0-9_]*$/, "lowercase snake_case");

export const BenchmarkResultSchema = z
  .strictObject({
    name: z.string().min(1).max(64).openapi({ description: "Canonical benchmark name from the catalog" }),
    score: z.number().min(0).max(100).openapi({ description: "Percentage points, 0–100" }),
    setting: z.string().max(300).openapi({ description: "Shots, CoT, pass@1 … as the source states it" }),
    source: z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" }).max(500).openapi({ description: "Where the number was read (http or https)" }),
    source_note: z.string().max(500).optional().openapi({ description: "Commit, file or table within the source" }),
  })
  .openapi("BenchmarkResult");

export const CategoryScoreSchema = z
  .strictObject({
    base_score: z.number().min(0).max(50),
    confidence: z.number().min(0).max(1),
  })
  .openapi("CategoryScore");

export const MemorySchema = z
  .strictObject({
    bf16: z.number().int().positive().optional(),
    fp8: z.number().int().positive().optional(),
    int4: z.number().int().positive().optional(),
  })
  .refine((m) => m.bf16 !== undefined || m.fp8 !== undefined || m.int4 !== undefined, {
    message: "at least one precision is needed",
  })
  .openapi("ModelMemory", { description: "MiB needed to serve the model, per precision it can run in" });

export const ModelSchema = z
  .strictObject({
    id: Id,
    name: z.string().min(1).max(200),
    hf_repo: z.string().regex(/^[\w.-]+\/[\w.-]+$/, "owner/name"),
    params_b: z.number().positive().max(10_000).openapi({ description: "Total parameters, billions" }),
    active_params_b: z.number().positive().optional().openapi({ description: "Active parameters per token (MoE)" }),
    context_length: z.number().int().positive().nullable().openapi({ description: "Tokens; null when no source states it" }),
    license: z.string().max(100).optional(),
    memory_mb: MemorySchema,
    default_precision: PrecisionSchema,
    categories: z.record(CategoryId, CategoryScoreSchema),
    benchmarks: z.array(BenchmarkResultSchema).max(500),
  })
  .refine((m) => m.memory_mb[m.default_precision] !== undefined, {
    message: "default_precision must have a memory_mb entry",
    path: ["default_precision"],
  })
  .openapi("Model");

export const CategorySchema = z
  .strictObject({
    id: CategoryId,
    parent: CategoryId.nullable(),
    description: z.string().max(500),
    benchmarks: z.array(z.string().min(1)).optional().openapi({
      description: "Relevant benchmarks; absent = inherit the parent's",
    }),
  })
  .openapi("Category");

export const BenchmarkSchema = z
  .strictObject({
    name: z.string().min(1).max(64),
    weight: z.number().positive().max(100),
    description: z.string().max(500),
  })
  .openapi("Benchmark");

export const GpuClassSchema = z.strictObject({
  name: z.string().min(1).max(64),
  memory_mb: z.number().int().positive(),
});

/** Canary experiments on registry updates (src/experiments/canary.ts fills in the defaults). */
export const CanaryConfigSchema = z
  .strictObject({
    enabled: z.boolean().optional().openapi({ description: "Start canaries at all; default true" }),
    split: z
      .tuple([z.number().min(0).max(1), z.number().min(0).max(1)])
      .refine((s) => Math.abs(s[0] + s[1] - 1) <= 1e-6, { message: "the two shares must sum to 1" })
      .optional()
      .openapi({ description: "Traffic share of [previous top model, new top model]; default [0.9, 0.1]" }),
    min_samples: z.number().int().min(1).max(1_000_000_000).optional().openapi({ description: "Per variant; default 1000" }),
    significance: z.number().gt(0).max(0.5).optional().openapi({ description: "Default 0.05" }),
  })
  .openapi("CanaryConfig", { description: "A/B canary started when a registry update changes a category's top model" });

export const RegistryConfigSchema = z
  .strictObject({
    gpu: z.strictObject({
      max_temperature_c: z.number().positive().max(150),
      max_utilization_pct: z.number().positive().max(100),
      stale_after_s: z.number().positive().max(86_400),
      memory_headroom_mb: z.number().min(0),
      request_load_pct: z.number().min(0).max(100).default(10).openapi({
        description: "Utilization points one routed request is assumed to add to its GPU until the node's next snapshot",
      }),
      thermal_margin_c: z.number().min(0).max(50).default(5).openapi({
        description: "Preferred placements stay this far below max_temperature_c (GPUs heat up between pushes)",
      }),
      placement_choices: z.union([z.literal(1), z.literal(2)]).default(2).openapi({
        description: "2: the better of two candidate GPUs drawn per decision (isolates that cannot see each other's placements then spread instead of herding); 1: always the best (most free memory to load, least loaded to serve)",
      }),
    }),
    serving: z
      .strictObject({
        saturation_waiting: z.number().min(0).max(1_000_000).default(5).openapi({
          description:
            "An engine with this many requests waiting (own placements since its snapshot included) is saturated: a model is loaded elsewhere only when every replica is (the Gateway API Inference Extension's queueDepthThreshold, 5)",
        }),
        saturation_kv_cache_usage: z.number().min(0).max(1).default(0.8).openapi({
          description: "An engine whose KV-cache usage reaches this share (0–1, own placements included) is saturated (GIE's kvCacheUtilThreshold, 0.8)",
        }),
        default_batch_capacity: z.number().positive().max(1_000_000).default(8).openapi({
          description: "Requests an engine is assumed to run at once when its running count and KV-cache usage do not tell (running / KV usage otherwise)",
        }),
      })
      .default({ saturation_waiting: 5, saturation_kv_cache_usage: 0.8, default_batch_capacity: 8 }),
    memory_rule: z.strictObject({
      bytes_per_param: z.strictObject({ bf16: z.number().positive(), fp8: z.number().positive(), int4: z.number().positive() }),
      kv_cache_fraction: z.number().min(0).max(10),
      runtime_overhead_mb: z.number().min(0),
    }),
    gpu_classes: z.array(GpuClassSchema).min(1).max(64),
    default_context_length: z.number().int().positive().optional().openapi({
      description:
        "Tokens assumed for a model whose context_length is null (unknown) when a request sets min_context (the gateway always does); absent: an unknown context fails every min_context",
    }),
    canary: CanaryConfigSchema.optional(),
  })
  .openapi("RegistryConfig");

/**
 * The registry document's format: 1 is the format of every registry so far (absent = 1). A
 * worker reads every format from 1 up to this; a new format bumps it, and the worker that
 * introduces it still reads the previous one, so registries stored before an upgrade stay live.
 */
export const REGISTRY_SCHEMA_VERSION = 1;

export const RegistrySchema = z
  .strictObject({
    schema_version: z
      .number()
      .int()
      .min(1)
      .max(REGISTRY_SCHEMA_VERSION, `this router reads registry schema versions up to ${REGISTRY_SCHEMA_VERSION}: upgrade the router first (docs/deploy.md)`)
      .default(1)
      .openapi({ description: `The document's format (absent = 1; this router writes ${REGISTRY_SCHEMA_VERSION})`, example: REGISTRY_SCHEMA_VERSION }),
    version: z.number().int().min(1),
    updated_at: z.iso.datetime().optional(),
    config: RegistryConfigSchema,
    benchmarks: z.array(BenchmarkSchema).min(1).max(200),
    categories: z.array(CategorySchema).min(1).max(1000),
    models: z.array(ModelSchema).min(1).max(20_000),
  })
  .openapi("Registry");

export type BenchmarkResult = z.infer<typeof BenchmarkResultSchema>;
export type CategoryScore = z.infer<typeof CategoryScoreSchema>;
export type Model = z.infer<typeof ModelSchema>;
export type Category = z.infer<typeof CategorySchema>;
export type Benchmark = z.infer<typeof BenchmarkSchema>;
export type RegistryConfig = z.infer<typeof RegistryConfigSchema>;
export type CanaryConfig = z.infer<typeof CanaryConfigSchema>;
export type Registry = z.infer<typeof RegistrySchema>;
