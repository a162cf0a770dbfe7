/**
 * What crosses the boundary between an isolate and the metrics Durable Object: counter series
 * (sample name, labels, value), recent decisions and the batches that carry both. Schemas here
 * validate the RPC input in the object and its answers in the worker (RPC is input like any other).
 */
import { z } from "@hono/zod-openapi";

const LabelValue = z.string().max(256);

export const SeriesSchema = z.strictObject({
  name: z.string().regex(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/).max(128),
  labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/).max(64), LabelValue),
  value: z.number().finite(),
});
export type Series = z.infer<typeof SeriesSchema>;

/** One POST /v1/route answer, as the dashboard lists it. */
export const RecentDecisionSchema = z.strictObject({
  at: z.string(),
  outcome: z.string().max(64),
  status: z.number().int(),
  duration_ms: z.number().nonnegative(),
  decision_id: z.string().max(128).nullable(),
  category: z.string().max(128).nullable(),
  resolved_category: z.string().max(128).nullable(),
  model: z.string().max(128).nullable(),
  node: z.string().max(256).nullable(),
  gpu_index: z.number().int().nullable(),
  experiment: z.string().max(128).nullable(),
  variant: z.string().max(64).nullable(),
});
export type RecentDecision = z.infer<typeof RecentDecisionSchema>;

/** An isolate's deltas since its last flush; `id` makes a retried batch count once. */
export const BatchSchema = z.strictObject({
  id: z.string().min(1).max(128),
  counters: z.array(SeriesSchema).max(10_000),
  decisions: z.array(RecentDecisionSchema).max(1000),
});
export type Batch = z.infer<typeof BatchSchema>;

export const ApplyResultSchema = z.strictObject({
  applied: z.number().int(),
  duplicates: z.number().int(),
  /** Batches that failed validation and were dropped. */
  rejected: z.number().int(),
  dropped_series: z.number().int(),
});
export type ApplyResult = z.infer<typeof ApplyResultSchema>;

export const MetricsStateSchema = z.strictObject({
  series: z.array(SeriesSchema),
  /** Newest first. */
  decisions: z.array(RecentDecisionSchema),
});
export type MetricsState = z.infer<typeof MetricsStateSchema>;

/** The labels as a canonical string (keys sorted): one series per (name, this). */
export function labelKey(labels: Readonly<Record<string, string>>): string {
  const sorted: Record<string, string> = {};
  for (const key of Object.keys(labels).sort()) sorted[key] = labels[key]!;
  return JSON.stringify(sorted);
}
