/** Request and decision schemas of POST /v1/route (DESIGN §2); also the OpenAPI components. */
import { z } from "@hono/zod-openapi";
import { PrecisionSchema } from "../registry/schema";

export const ConstraintsSchema = z
  .strictObject({
    max_memory_mb: z.number().positive().optional().openapi({ description: "Largest serving footprint accepted, MiB" }),
    min_context: z.number().int().positive().optional().openapi({ description: "Smallest context length accepted, tokens" }),
    max_params_b: z.number().positive().optional().openapi({ description: "Largest model accepted, billions of parameters" }),
    allow_models: z.array(z.string().min(1)).min(1).max(1000).optional().openapi({ description: "Only these model ids" }),
    deny_models: z.array(z.string().min(1)).max(1000).optional().openapi({ description: "Never these model ids" }),
    min_score: z.number().optional().openapi({ description: "Smallest total score accepted" }),
    precision: PrecisionSchema.optional().openapi({ description: "Serve at this precision instead of each model's default" }),
  })
  .openapi("RouteConstraints");

export const RouteRequestSchema = z
  .strictObject({
    category: z.string().min(1).max(64).openapi({ example: "code_rust" }),
    request_id: z.string().min(1).max(128).optional(),
    unit_id: z.string().min(1).max(256).optional().openapi({ description: "User or session id for sticky A/B assignment" }),
    constraints: ConstraintsSchema.optional(),
    top_k: z.number().int().min(1).max(10).default(3).openapi({ description: "Chosen model plus alternatives" }),
    explain: z.boolean().default(false).openapi({ description: "List rejected models with reasons" }),
  })
  .openapi("RouteRequest");

export const ScoreSchema = z
  .object({ total: z.number(), base: z.number(), benchmark: z.number(), confidence: z.number() })
  .openapi("Score", { description: "total = base + benchmark × confidence" });

export const ModelSummarySchema = z
  .object({
    id: z.string(),
    name: z.string(),
    hf_repo: z.string(),
    params_b: z.number(),
    context_length: z.number().nullable(),
    precision: PrecisionSchema,
    memory_mb: z.number(),
  })
  .openapi("ModelSummary");

export const PlacementSchema = z
  .object({
    node: z.string(),
    gpu_index: z.number().int(),
    gpu_uuid: z.string().nullable(),
    free_memory_mb: z.number().nullable(),
    endpoint: z.string().nullable(),
    serves_model: z.boolean().openapi({ description: "The node already serves this model" }),
    stale: z.boolean().openapi({ description: "Last-resort tier: no fresh GPU had room" }),
    age_s: z.number(),
  })
  .openapi("Placement");

export const RejectionSchema = z
  .object({
    model: z.string(),
    category: z.string(),
    reasons: z.array(z.string()),
    detail: z.string(),
  })
  .openapi("Rejection");

export const CandidateSchema = z
  .object({ model: ModelSummarySchema, score: ScoreSchema, placement: PlacementSchema.nullable() })
  .openapi("Candidate");

export const ExperimentRefSchema = z
  .object({
    id: z.string(),
    variant: z.string(),
    fallback: z.boolean().openapi({ description: "The variant could not be served; this is plain routing, counted as a fallback" }),
  })
  .openapi("ExperimentRef");

export const DecisionSchema = z
  .object({
    decision_id: z.string(),
    request_id: z.string().nullable(),
    registry_version: z.number().int(),
    category: z.string(),
    resolved_category: z.string(),
    category_path: z.array(z.string()).openapi({ description: "The fallback walk, requested category first" }),
    model: ModelSummarySchema,
    score: ScoreSchema,
    placement: PlacementSchema.nullable().openapi({ description: "null only while no GPU reports telemetry" }),
    experiment: ExperimentRefSchema.nullable(),
    alternatives: z.array(CandidateSchema),
    rejected: z.array(RejectionSchema).optional(),
  })
  .openapi("Decision");

export type RouteRequest = z.infer<typeof RouteRequestSchema>;
export type Decision = z.infer<typeof DecisionSchema>;
export type Candidate = z.infer<typeof CandidateSchema>;
export type Rejection = z.infer<typeof RejectionSchema>;
export type Placement = z.infer<typeof PlacementSchema>;
