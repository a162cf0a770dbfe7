/**
 * The experiment model (DESIGN §1, issue 4) and the bodies of the experiment endpoints, as zod
 * schemas that double as OpenAPI components. The same schemas validate what comes back from KV
 * and from the Durable Object, so a corrupted record fails loudly instead of skewing a report.
 */
import { z } from "@hono/zod-openapi";
import { ConstraintsSchema } from "../routing/schema";

/** Tolerance of the split sum (the issue: "sums to 1 within 1e-6"). */
export const SPLIT_TOLERANCE = 1e-6;

// ':' is the hash separator of assignment.ts, so ids must not contain it.
export const ExperimentIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[a-z0-9][a-z0-9._-]*$/, "lowercase letters, digits, '.', '_' and '-'")
  .openapi({ example: "code-rust-qwen-vs-llama" });

const VariantNameSchema = z.string().min(1).max(64).regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "letters, digits, '.', '_' and '-'");

export const VariantSchema = z
  .strictObject({
    name: VariantNameSchema,
    model: z.string().min(1).max(128).optional().openapi({ description: "Route this arm to this model id" }),
    constraints: ConstraintsSchema.optional().openapi({ description: "Or narrow the request's constraints for this arm" }),
  })
  .refine((v) => (v.model === undefined) !== (v.constraints === undefined), {
    message: "give exactly one of 'model' and 'constraints'",
    path: ["model"],
  })
  .openapi("ExperimentVariant");

export const ScopeSchema = z
  .strictObject({
    category: z.string().min(1).max(64),
    include_descendants: z.boolean().default(false),
  })
  .openapi("ExperimentScope");

/** What an admin sends to POST /v1/experiments. */
export const ExperimentInputSchema = z
  .strictObject({
    id: ExperimentIdSchema.optional().openapi({ description: "Defaults to a generated 'exp-<uuid>'" }),
    description: z.string().max(500).optional(),
    scope: ScopeSchema,
    variants: z.array(VariantSchema).min(2).max(10).openapi({ description: "The first variant is the control" }),
    split: z.array(z.number().min(0).max(1)).min(2).max(10).optional().openapi({
      description:
        "Traffic share per variant, in variant order, summing to 1; default equal shares. A share of 0 pauses the variant: " +
        "it gets no traffic, needs no minimum sample and is not compared",
    }),
    min_samples: z.number().int().min(1).max(1_000_000_000).default(1000).openapi({ description: "Outcome events per variant before a winner may be declared" }),
    significance: z.number().gt(0).max(0.5).default(0.05).openapi({ description: "Significance level of the winner decision" }),
  })
  .superRefine((input, ctx) => {
    const names = new Set<string>();
    input.variants.forEach((v, i) => {
      if (names.has(v.name)) ctx.addIssue({ code: "custom", path: ["variants", i, "name"], message: `duplicate variant name '${v.name}'` });
      names.add(v.name);
    });
    if (input.split === undefined) return;
    if (input.split.length !== input.variants.length) {
      ctx.addIssue({ code: "custom", path: ["split"], message: `${input.split.length} shares for ${input.variants.length} variants` });
    }
    const sum = input.split.reduce((s, x) => s + x, 0);
    if (Math.abs(sum - 1) > SPLIT_TOLERANCE) ctx.addIssue({ code: "custom", path: ["split"], message: `shares sum to ${sum}, not 1` });
  })
  .openapi("ExperimentInput");

export const ExperimentStatusSchema = z.enum(["running", "stopped"]).openapi("ExperimentStatus");

/** A stored experiment: the input with every default filled in, plus its lifecycle. */
export const ExperimentSchema = z
  .strictObject({
    id: ExperimentIdSchema,
    description: z.string().max(500).nullable(),
    scope: z.strictObject({ category: z.string().min(1).max(64), include_descendants: z.boolean() }),
    variants: z.array(VariantSchema).min(2).max(10),
    split: z.array(z.number().min(0).max(1)).min(2).max(10),
    min_samples: z.number().int().min(1),
    significance: z.number().gt(0).max(0.5),
    status: ExperimentStatusSchema,
    origin: z.enum(["api", "canary"]).openapi({ description: "'canary' when a registry update started it" }),
    created_at: z.iso.datetime(),
    stopped_at: z.iso.datetime().nullable(),
  })
  .openapi("Experiment");

export const ExperimentListSchema = z.object({ experiments: z.array(ExperimentSchema) }).openapi("ExperimentList");

/** Outcome of one routed request, posted by the client. */
export const OutcomeEventSchema = z
  .strictObject({
    event_id: z.string().min(1).max(128).openapi({ description: "Idempotency key; a retried event is counted once" }),
    variant: z.string().min(1).max(64),
    latency_ms: z.number().min(0).max(86_400_000),
    error: z.boolean(),
    score: z.number().min(-1e9).max(1e9).optional().openapi({ description: "Quality score of the answer, any scale, higher is better" }),
    ttfb_ms: z.number().min(0).max(86_400_000).optional().openapi({ description: "Time to the answer's first byte; the gateway sends it for proxied requests that got an answer" }),
    prompt_tokens: z.number().int().min(0).max(1e9).optional().openapi({ description: "From the answer's `usage`, when it had one" }),
    completion_tokens: z.number().int().min(0).max(1e9).optional().openapi({ description: "From the answer's `usage`, when it had one" }),
  })
  .openapi("OutcomeEvent");

export const EventReceiptSchema = z
  .object({ experiment: z.string(), event_id: z.string(), variant: z.string(), counted: z.boolean(), duplicate: z.boolean() })
  .openapi("EventReceipt");

/**
 * Per-variant counters as the Durable Object stores them. Each metric is kept as count, shift
 * (its first value), mean of (x − shift) and m2 = Σ(x − x̄)² (stats/moments.ts): stable at any
 * magnitude, unlike sums of squares, and mergeable by Chan et al.'s update. Latency's count is
 * `events`, the score's is `scored`.
 */
export const VariantCountersSchema = z.strictObject({
  name: z.string(),
  assignments: z.number().int().min(0),
  fallbacks: z.number().int().min(0),
  events: z.number().int().min(0),
  errors: z.number().int().min(0),
  latency_shift: z.number(),
  latency_shifted_mean: z.number(),
  latency_m2: z.number().min(0),
  scored: z.number().int().min(0),
  score_shift: z.number(),
  score_shifted_mean: z.number(),
  score_m2: z.number().min(0),
});

/** What the Durable Object did with an outcome event; the routes turn refusals into 404/409/400. */
export const EventOutcomeSchema = z.union([
  z.object({ status: z.enum(["counted", "duplicate", "not_found", "stopped"]) }),
  z.object({ status: z.literal("unknown_variant"), variants: z.array(z.string()) }),
]);

export const ExperimentSnapshotSchema = z.strictObject({
  experiment: ExperimentSchema,
  counters: z.array(VariantCountersSchema),
});

export type ExperimentInput = z.infer<typeof ExperimentInputSchema>;
export type Experiment = z.infer<typeof ExperimentSchema>;
export type Variant = z.infer<typeof VariantSchema>;
export type OutcomeEvent = z.infer<typeof OutcomeEventSchema>;
export type VariantCounters = z.infer<typeof VariantCountersSchema>;
export type EventOutcome = z.infer<typeof EventOutcomeSchema>;
export type ExperimentSnapshot = z.infer<typeof ExperimentSnapshotSchema>;
