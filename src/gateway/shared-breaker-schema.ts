/**
 * What the shared breakers' Durable Object (shared-breakers.ts) takes and answers, and its
 * bounds: kept apart from the object so the worker's side (breaker-cache.ts) and Node tools
 * (the deploy budget) can import them without the Workers runtime.
 */
import { z } from "@hono/zod-openapi";
import { OPEN_MS } from "./breaker";

/** The one object's name: breakers are global, like a node's health (a dead node is dead from every location). */
export const SHARED_BREAKERS = "breakers";
/** Failures further apart than this do not add up to an open breaker (there are no success reports in between to reset them). */
export const FAILURE_WINDOW_MS = OPEN_MS;
/** Nodes remembered; beyond this, reports about new nodes are dropped (the per-isolate breakers still apply). */
export const MAX_NODES = 4096;
/** Reports per call: an isolate's failures of one request, at most a few. */
export const MAX_REPORTS = 16;

export const NodeName = z.string().min(1).max(256);

export const BreakerReportSchema = z.discriminatedUnion("kind", [
  z.strictObject({ kind: z.literal("failure"), node: NodeName }),
  z.strictObject({ kind: z.literal("success"), node: NodeName }),
  z.strictObject({ kind: z.literal("busy"), node: NodeName, until_ms: z.number().int().min(0) }),
]);
export type BreakerReport = z.infer<typeof BreakerReportSchema>;

/** One node the object holds something against, as readers see it. Times are the object's Date.now() (ms). */
export const SharedNodeSchema = z.strictObject({
  node: NodeName,
  failures: z.number().int().min(0),
  /** 0 = not open; else the breaker is open until then, and a trial may go after it. */
  open_until_ms: z.number().int().min(0),
  busy_until_ms: z.number().int().min(0),
});
export type SharedNode = z.infer<typeof SharedNodeSchema>;

export const SharedStateSchema = z.strictObject({ nodes: z.array(SharedNodeSchema).max(MAX_NODES), read_at_ms: z.number().int().min(0) });
export type SharedState = z.infer<typeof SharedStateSchema>;

/** report()'s answer: whether the reports were valid (all or nothing), and the state afterwards. */
export const ReportAnswerSchema = z.strictObject({ accepted: z.boolean(), state: SharedStateSchema });
export type ReportAnswer = z.infer<typeof ReportAnswerSchema>;

