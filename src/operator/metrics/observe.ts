/**
 * Middleware that counts route decisions and telemetry pushes as they are answered. Mounted by
 * src/app.ts in front of the routers; it reads the answer (status, the Problem if one was thrown,
 * the decision the route handler left in the context) and only touches memory, then asks the
 * recorder to flush later in waitUntil.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../../env";
import { executionContext } from "../../execution-context";
import { STORED } from "./catalog";
import { refusedCategory, routeOutcome, telemetryRejection } from "./outcomes";
import type { MetricsRecorder } from "./recorder";

export interface CountDecisionsOptions {
  /**
   * Whether the request's duration is the decision's latency. Not for the gateway: its requests
   * also wait for the model server.
   */
  timed: boolean;
}

/**
 * POST /v1/route and POST /v1/chat/completions: one count by category/resolved category/model/
 * outcome, one latency observation (when timed), one recent decision. A decision the handler left
 * in the context counts as "ok" whatever happened after it (a proxied request's upstream failing
 * is the gateway's metric, not routing's).
 */
export function countDecisions(recorder: MetricsRecorder, options: CountDecisionsOptions = { timed: true }): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "POST") return next();
    const started = Date.now();
    await next();
    const now = Date.now();
    const decision = c.get("decision");
    const outcome = routeOutcome(decision ? 200 : c.res.status, c.error);
    const category = decision?.category ?? refusedCategory(c.error);
    const seconds = Math.max(0, now - started) / 1000;
    recorder.count(STORED.routeDecisions, {
      category: category ?? "",
      resolved_category: decision?.resolved_category ?? "",
      model: decision?.model.id ?? "",
      outcome,
    });
    if (options.timed) recorder.observe(STORED.decisionSeconds, {}, seconds);
    recorder.decided({
      at_ms: now,
      outcome,
      status: c.res.status,
      duration_ms: seconds * 1000,
      decision_id: decision?.decision_id ?? null,
      category,
      resolved_category: decision?.resolved_category ?? null,
      model: decision?.model.id ?? null,
      node: decision?.placement?.node ?? null,
      gpu_index: decision?.placement?.gpu_index ?? null,
      experiment: decision?.experiment?.id ?? null,
      variant: decision?.experiment?.variant ?? null,
    });
    recorder.flushLater(c.env, executionContext(c), now);
  };
}

/** POST /v1/telemetry: accepted, or rejected with a reason. */
export function countTelemetry(recorder: MetricsRecorder): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    if (c.req.method !== "POST") return next();
    await next();
    const status = c.res.status;
    const labels = status === 202 ? { result: "accepted", reason: "none" } : { result: "rejected", reason: telemetryRejection(status, c.error) };
    recorder.count(STORED.telemetryPushes, labels);
    recorder.flushLater(c.env, executionContext(c), Date.now());
  };
}
